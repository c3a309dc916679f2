import Foundation
import Tally
import Testing

/// Analysts on psql: the report views, their suppression and the example queries, seen through the
/// real psql client as a login in tally_analyst over TCP with a password.
@Suite("analyst report views", .enabled(if: TestServer.isAvailable))
struct AnalystReportTests {
    /// The report views and the columns issue 6 promises analysts.
    static let contract: [String: [String]] = [
        "title_daily": ["day", "title_id", "title", "viewers", "plays", "completed_plays", "watch_hours", "thumbs_up", "thumbs_down", "suppressed"],
        "title_weekly": ["week_start", "title_id", "title", "viewers", "plays", "watch_hours", "suppressed"],
        "title_monthly": ["month_start", "title_id", "title", "viewers", "plays", "watch_hours", "suppressed"],
        "title_segments": ["day", "title_id", "title", "device_class", "region", "age_band", "plan", "plays", "watch_hours", "viewers", "suppressed"],
        "coviewing": [
            "period", "period_start", "title_a_id", "title_a", "title_b_id", "title_b", "shared_viewers", "viewers_a", "viewers_b", "jaccard", "lift",
            "suppressed",
        ],
        "title_streaks": ["as_of", "title_id", "title", "streak_days", "viewers", "suppressed"],
    ]
    static var views: [String] { contract.keys.sorted() }
    static let examples = repositoryRoot.appendingPathComponent("sql/examples")

    @Test("the analyst reads every report view and report.settings, and is denied analytics, private and etl (42501)")
    func access() async throws {
        try await withAnalystWarehouse { db, analyst in
            for view in Self.views {
                let count = try await analyst.query("select count(*) from report.\(view)")
                #expect((Int(count) ?? 0) > 0, "report.\(view) as the analyst returned \(count)")
            }
            let k = try await analyst.query("select k from report.settings")
            #expect(k == "11")

            let admin = try db.connect()
            defer { admin.close() }
            let restricted = try admin.query(
                """
                select format('%I.%I', n.nspname, c.relname)
                from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname in ('analytics', 'private', 'etl') and c.relkind in ('r', 'p', 'v', 'm')
                order by 1
                """
            ).rows.map { try $0.decode(0, as: String.self) }
            #expect(restricted.count >= 15, "\(restricted)")
            for relation in restricted {
                let state = try await analyst.sqlState(of: "select * from \(relation) limit 1")
                #expect(state == "42501", "select from \(relation) as the analyst: \(state ?? "succeeded")")
            }
            for call in ["etl.date_key(current_date)", "etl.region('US')"] {
                let state = try await analyst.sqlState(of: "select \(call)")
                #expect(state == "42501", "\(call) as the analyst: \(state ?? "succeeded")")
            }
        }
    }

    @Test("every write by the analyst is denied, k included, and nothing changes")
    func writesDenied() async throws {
        let writes = [
            "update report.settings set k = 2",
            "insert into report.settings values (true, 2)",
            "delete from report.settings",
            "truncate report.settings",
            "select * from report.settings for update",
            "copy report.settings from stdin",
            "insert into report.title_daily (day) values (current_date)",
            "update report.title_segments set viewers = 1",
            "delete from report.title_streaks",
            "alter view report.title_daily rename to title_daily_old",
            "comment on view report.title_daily is 'mine'",
            "drop view report.coviewing",
            "create or replace view report.title_daily as select 1 as day",
            "create table report.scratch (i int)",
            "create table public.scratch (i int)",
            "create function public.f() returns int language sql as 'select 1'",
            "create temporary table scratch (i int)",
            "create schema scratch",
            "set role tally_owner",
            "set role tally_loader",
            "delete from analytics.fact_title_daily",
            "update etl.settings set streak_max_days = 2",
            "delete from private.activity",
        ]
        try await withAnalystWarehouse { db, analyst in
            for statement in writes {
                let state = try await analyst.sqlState(of: statement)
                // 42501: insufficient privilege; 55000: a report view is not updatable at all.
                #expect(state == "42501" || state == "55000", "\(statement) as the analyst: \(state ?? "succeeded")")
            }
            let admin = try db.connect()
            defer { admin.close() }
            #expect(try admin.query("select k from report.settings").scalar(as: Int.self) == 11)
            #expect(
                try admin.query("select count(*)::int from pg_class where relnamespace = 'report'::regnamespace and relkind = 'v'").scalar(as: Int.self) == 6)
        }
    }

    @Test("every count of people in every report view is NULL or at least k, and the views follow k when the DBA changes it")
    func suppressionFloorFollowsK() async throws {
        try await withAnalystWarehouse { db, analyst in
            let admin = try db.connect()
            defer { admin.close() }
            for k in [11, 25, 60, 5] {
                try admin.execute("update report.settings set k = \(k)")
                let rows = try await analyst.query(AnalystChecks.floor).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
                #expect(rows.map { $0[0] }.sorted() == Self.views, "k = \(k)")
                for row in rows where row.count == 4 {
                    #expect(row[1] == "0", "k = \(k): \(row[1]) rows of report.\(row[0]) show a count below k or an unexplained NULL")
                    #expect((Int(row[2]) ?? 0) > 0 && (Int(row[3]) ?? 0) > 0, "k = \(k): report.\(row[0]) has \(row[2]) suppressed and \(row[3]) shown rows")
                }
                // The analyst's suppressed title-days and streak cells are exactly the facts below this k.
                for (view, fact) in [("title_daily", "fact_title_daily"), ("title_streaks", "fact_title_streak")] {
                    let shown = try await analyst.query("select count(*) filter (where suppressed) from report.\(view)")
                    let truth = try admin.query("select count(*)::int from analytics.\(fact) where viewers < \(k)").scalar(as: Int.self)
                    #expect(Int(shown) == truth, "k = \(k): report.\(view) suppresses \(shown) rows, the facts hold \(truth) below k")
                }
                let tweet = try await analyst.run(["-At", "-f", Self.examples.appendingPathComponent("streak_viewers.sql").path])
                let expected = k <= 53 ? "53 people watched" : "fewer than \(k) people watched"
                #expect(tweet.stdout.contains(expected + " A Christmas Prince every day for the past 18 days"), "k = \(k): \(tweet.stdout)\(tweet.stderr)")
            }
            #expect(throws: PostgresError.self) { try admin.execute("update report.settings set k = 1") }
        }
    }

    @Test("complementary suppression: title_daily minus the shown segments recovers no hidden segment, over every title-day", arguments: [11, 20])
    func differencingAttack(k: Int) async throws {
        try await withAnalystWarehouse { db, analyst in
            let admin = try db.connect()
            defer { admin.close() }
            try admin.execute("update report.settings set k = \(k)")
            // The analyst sees exactly what the checks below read through the same views.
            let digest = "select md5(string_agg(s::text, '|' order by s::text)) from report.title_segments s"
            let seen = try await analyst.query(digest)
            let direct = try admin.query(digest).scalar(as: String.self)
            #expect(seen == direct)
            // A filter on a segment must not change which segments hide: the same rows as the
            // filter applied after the whole view (offset 0 stops the planner pushing it down).
            for filter in ["device_type = 'ps4'", "country_code = 'IS'", "viewers > 5", "title = 'Glacier Diaries'"] {
                let differing = try admin.query(
                    """
                    select count(*)::int from (
                        select * from report.title_segments where \(filter)
                        except all
                        select * from (select * from report.title_segments offset 0) s where \(filter)
                    ) x
                    """
                ).scalar(as: Int.self)
                #expect(differing == 0, "where \(filter)")
            }

            let rows = try admin.query(AnalystChecks.attack).rows
            try #require(rows.count == 1)
            let row = rows[0]
            let result = try AnalystChecks.attackColumns.reduce(into: [String: Int]()) { $0[$1] = try row.decode($1, as: Int.self) }
            #expect(result["unmatched"] == 0, "every segment row maps to one fact row: \(result)")
            #expect((result["attacked"] ?? 0) > 100, "title-days with a hidden segment and a shown total: \(result)")
            #expect((result["naive_recovered"] ?? 0) > 0, "hiding only the small cells would give some away: \(result)")
            #expect(result["recovered"] == 0, "hidden segments recovered by subtraction: \(result)")
            #expect(result["lone_hidden"] == 0, "title-days with exactly one hidden segment under a shown total: \(result)")
            #expect(result["small_residual"] == 0, "title-days whose total minus shown segments is below k: \(result)")
            #expect(result["shown_under_hidden_total"] == 0, "segments shown under a suppressed day total: \(result)")
            #expect((result["weeks_with_hidden_days"] ?? 0) > 0, "weeks whose plays are withheld for a hidden day: \(result)")
            #expect(result["periods_over_hidden_days"] == 0, "weeks or months whose plays include a hidden day: \(result)")
        }
    }

    @Test("every report view and every column has a comment, and the promised columns exist")
    func comments() async throws {
        try await withAnalystWarehouse { db, _ in
            let admin = try db.connect()
            defer { admin.close() }
            let uncommented = try admin.query(
                """
                select c.relname::text from pg_class c
                left join pg_description d on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = 0
                where c.relnamespace = 'report'::regnamespace and c.relkind in ('v', 'r') and d.description is null
                union all
                select c.relname || '.' || a.attname from pg_class c
                join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                left join pg_description d on d.objoid = c.oid and d.classoid = 'pg_class'::regclass and d.objsubid = a.attnum
                where c.relnamespace = 'report'::regnamespace and c.relkind in ('v', 'r') and d.description is null
                """
            ).rows.map { try $0.decode(0, as: String.self) }
            #expect(uncommented.isEmpty, "without a comment: \(uncommented)")
            for (view, promised) in Self.contract {
                let columns = try admin.query(
                    """
                    select a.attname::text from pg_attribute a
                    where a.attrelid = ('report.' || $1)::regclass and a.attnum > 0 and not a.attisdropped
                    """, [view]
                ).rows.map { try $0.decode(0, as: String.self) }
                #expect(Set(promised).isSubset(of: Set(columns)), "report.\(view) lacks \(Set(promised).subtracting(columns).sorted())")
                let barrier = try admin.query(
                    "select coalesce('security_barrier=true' = any (reloptions), false) from pg_class where oid = ('report.' || $1)::regclass", [view]
                ).scalar(as: Bool.self)
                #expect(barrier, "report.\(view) is a security barrier")
            }
        }
    }

    @Test("every sql/examples file runs through psql as the analyst, as its header documents and with defaults; the tweet query finds the 53")
    func examplesRun() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count >= 8, "\(files)")
        try await withAnalystWarehouse { _, analyst in
            for file in files {
                let path = Self.examples.appendingPathComponent(file).path
                let text = try String(contentsOfFile: path, encoding: .utf8)
                #expect(text.hasPrefix("-- Question:"), "\(file) starts with the question it answers")
                let documented = try Self.documentedVariables(in: text)
                #expect(text.contains("-- Run:") && text.contains("-f sql/examples/\(file)"), "\(file) documents how to run it")
                for variables in [documented, []] {
                    let outcome = try await analyst.run(variables + ["-f", path])
                    #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(file) \(variables): \(outcome.stderr)")
                    #expect(outcome.stdout.contains(" row") && !outcome.stdout.contains("(0 rows)"), "\(file) \(variables) returns rows: \(outcome.stdout)")
                }
            }
            let tweet = try await analyst.run([
                "-At", "-v", "title=A Christmas Prince", "-v", "days=18", "-f", Self.examples.appendingPathComponent("streak_viewers.sql").path,
            ])
            let fields = tweet.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|").map(String.init)
            try #require(fields.count == 6, "\(tweet.stdout)\(tweet.stderr)")
            #expect(fields[3] == "53")
            #expect(fields[5] == "53 people watched A Christmas Prince every day for the past 18 days")
        }
    }

    /// The `-v name=value` flags of a file's `-- Run:` header line, as psql arguments.
    static func documentedVariables(in text: String) throws -> [String] {
        guard let run = text.split(separator: "\n").first(where: { $0.hasPrefix("-- Run:") }) else { return [] }
        let flag = try Regex(#"-v (\w+)=(?:'([^']*)'|(\S+))"#)
        var arguments: [String] = []
        for match in run.matches(of: flag) {
            guard let name = match.output[1].substring else { continue }
            let value = match.output[2].substring ?? match.output[3].substring ?? ""
            arguments += ["-v", "\(name)=\(value)"]
        }
        return arguments
    }
}

/// psql as a login in tally_analyst, over TCP with a password.
struct AnalystSession {
    let psql: String
    let conninfo: String
    let password: String

    /// Runs psql with `arguments`, stopping at the first error, without reading any psqlrc.
    func run(_ arguments: [String]) async throws -> TallyBinary.Outcome {
        try await TallyBinary.runProgram(
            psql, ["-X", "-v", "ON_ERROR_STOP=1", "-d", conninfo] + arguments,
            environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10", "PGOPTIONS": nil, "PGSERVICE": nil])
    }

    /// The unaligned, tuples-only output of one statement; a failure fails the test.
    func query(_ sql: String) async throws -> String {
        let outcome = try await run(["-At", "-c", sql])
        #expect(outcome.status == 0, "psql as the analyst: \(sql): \(outcome.stderr)")
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The SQLSTATE the server answered a statement with, or nil when it succeeded.
    func sqlState(of sql: String) async throws -> String? {
        let outcome = try await run(["-At", "-v", "VERBOSITY=sqlstate", "-c", sql])
        guard outcome.status != 0 else { return nil }
        guard let range = outcome.stderr.range(of: "ERROR:") else { return "no SQLSTATE: \(outcome.stderr)" }
        return outcome.stderr[range.upperBound...].trimmingCharacters(in: .whitespaces).prefix(5).description
    }
}

/// Runs `body` with a migrated warehouse that holds the generated dataset and an analyst login.
func withAnalystWarehouse<T: Sendable>(_ body: (TestDatabase, AnalystSession) async throws -> T) async throws -> T {
    try await withTestDatabase { db in
        try migrate(db, .warehouse)
        let admin = try db.connect()
        defer { admin.close() }
        try admin.execute(AnalystDataset.sql)
        try admin.execute("analyze")
        let local = try #require(db.server.local, "needs the local cluster for its TCP port")
        let psql = try await PostgresBinaries.locate().url("psql").path
        return try await withLoginRole(in: db, memberOf: ["tally_analyst"]) { role, password in
            try await body(db, AnalystSession(psql: psql, conninfo: local.tcpConninfo(database: db.name, user: role), password: password))
        }
    }
}
