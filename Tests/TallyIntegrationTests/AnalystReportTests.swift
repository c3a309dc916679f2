import CGLPK
import Foundation
import Tally
import Testing

/// Analysts on psql: the report views, their suppression and the example queries, seen through the
/// real psql client as a login in tally_analyst over TCP with a password.
@Suite("analyst report views", .enabled(if: TestServer.isAvailable))
struct AnalystReportTests {
    /// The report views and the columns issue 6 promises analysts.
    static let contract: [String: [String]] = [
        "title_daily": ["day", "title_id", "title", "viewers", "plays", "completed_plays", "skips", "watch_hours"],
        "title_ratings": ["day", "title_id", "title", "raters", "thumbs_up", "thumbs_down"],
        "title_weekly": ["week_start", "title_id", "title", "viewers", "plays", "watch_hours", "days_covered", "suppressed"],
        "title_monthly": ["month_start", "title_id", "title", "viewers", "plays", "watch_hours", "days_covered", "suppressed", "thumbs_up", "thumbs_down"],
        "title_segments": ["day", "title_id", "title", "device_class", "region", "age_band", "plan", "plays", "watch_hours", "viewers", "all_other"],
        "title_breakdown": [
            "period", "period_start", "title_id", "title", "dimension", "value", "viewers", "plays", "completed_plays", "watch_hours", "all_other",
            "suppressed",
        ],
        "coviewing": [
            "period", "period_start", "title_a_id", "title_a", "title_b_id", "title_b", "shared_viewers", "viewers_a", "viewers_b", "jaccard",
        ],
        "title_streaks": ["as_of", "title_id", "title", "streak_days", "viewers"],
        "titles": ["title_id", "name", "former_names", "kind", "series", "genre", "first_day"],
        "group_totals": ["grouping", "name", "period", "period_start", "titles", "viewers", "plays", "watch_hours", "days_covered", "suppressed"],
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
            for call in [
                "etl.date_key(current_date)", "etl.region('US')", "etl.refresh_coviewing_held()", "etl.refresh_kept_reports()",
                "etl.create_kept_view('report.mine', 'analytics.dim_date', '{}', false)",
            ] {
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
                try admin.query("select count(*)::int from pg_class where relnamespace = 'report'::regnamespace and relkind = 'v'").scalar(as: Int.self) == 10)
        }
    }

    /// The views kept by each load (etl.refresh_kept_reports) and the relation each reads.
    static let kept = [
        "report_periods": "analytics.report_periods", "title_segments": "report.title_segments", "title_breakdown": "report.title_breakdown",
        "coviewing": "report.coviewing", "group_totals": "report.group_totals", "title_daily": "report.title_daily",
        "title_ratings": "report.title_ratings", "title_streaks": "report.title_streaks", "titles": "report.titles",
    ]

    /// How many kept views a read takes from the kept rows (made at the current facts generation).
    static let keptCurrent = """
        select count(*) filter (where k.generation = f.generation)::int
        from analytics.kept_reports k cross join analytics.facts_generation f
        """

    @Test("a kept view reads what the load kept until a fact or setting is written, then decides from the facts again; the rows are the same")
    func keptViews() async throws {
        try await withAnalystWarehouse { db, analyst in
            let admin = try db.connect()
            defer { admin.close() }
            let current = Self.keptCurrent
            // The dataset was written after tally migrate up kept the views of an empty warehouse.
            #expect(try admin.query(current).scalar(as: Int.self) == 0)
            let live = try Dictionary(
                uniqueKeysWithValues: Self.kept.map { name, view in
                    (name, try admin.query("select count(*)::int from \(view)").scalar(as: Int.self))
                })
            try admin.execute("select etl.refresh_kept_reports()")
            #expect(try admin.query(current).scalar(as: Int.self) == Self.kept.count)
            for (name, view) in Self.kept {
                // The same rows kept and decided now, both ways (a row twice counts twice).
                let differ = try admin.query(
                    """
                    select (select count(*) from (select * from analytics.kept_\(name) except all select * from analytics.\(name)_live) a)
                         + (select count(*) from (select * from analytics.\(name)_live except all select * from analytics.kept_\(name)) b)
                    """
                ).scalar(as: Int.self)
                #expect(differ == 0, "\(name): \(differ) rows differ between kept and live")
                #expect(try admin.query("select count(*)::int from \(view)").scalar(as: Int.self) == live[name], "\(view)")
                #expect((live[name] ?? 0) > 0, "\(view) has no rows on the dataset")
            }
            // The views read the kept rows: one planted there shows (only the owner can write them) ...
            let planted = "select count(*) from report.title_weekly where viewers = 99999"
            try admin.execute(
                "update analytics.kept_report_periods set viewers = 99999 where period_kind = 'week' and viewers = (select max(viewers) from analytics.kept_report_periods where period_kind = 'week')"
            )
            #expect(try await analyst.query(planted) != "0")
            // ... and so does a row added to each kept table.
            for (name, view) in Self.kept {
                try admin.execute("insert into analytics.kept_\(name) select * from analytics.kept_\(name) limit 1")
                #expect(try admin.query("select count(*)::int from \(view)").scalar(as: Int.self) == (live[name] ?? 0) + 1, "\(view)")
            }
            // ... until a write to what they were made from, even one that changes no row: from then
            // on they decide from the facts, until the next load (or refresh) keeps them again.
            try admin.execute("update analytics.fact_title_period set viewers = viewers where false")
            #expect(try await analyst.query(planted) == "0")
            for (name, view) in Self.kept {
                #expect(try admin.query("select count(*)::int from \(view)").scalar(as: Int.self) == live[name], "\(view)")
            }
            try admin.execute("select etl.refresh_kept_reports()")
            #expect(try await analyst.query(planted) == "0")
            #expect(try admin.query(current).scalar(as: Int.self) == Self.kept.count)
            // Every table the kept views read, and each of its partitions, moves the generation on,
            // so that a write to any of them (here a delete of no row) is seen. (The generations are
            // made equal by hand between writes: only the trigger is under test.)
            let sources = try admin.query("select source::text, moves_generation from etl.kept_view_sources()").rows.map {
                (try $0.decode(0, as: String.self), try $0.decode(1, as: Bool.self))
            }
            let names = sources.map(\.0)
            for table in [
                "analytics.fact_title_daily", "analytics.fact_title_daily_default", "analytics.dim_title", "report.settings", "analytics.fact_coviewing",
            ] {
                #expect(names.contains(table), "\(table) among \(names)")
            }
            for (table, moves) in sources {
                #expect(moves, "\(table) has no trigger move_facts_generation")
                try admin.execute("update analytics.kept_reports set generation = (select generation from analytics.facts_generation)")
                try admin.execute("delete from \(table) where false")
                #expect(try admin.query(current).scalar(as: Int.self) == 0, "a delete from \(table) left the kept views current")
            }
            // A new monthly partition gets the trigger too (etl.ensure_days).
            try admin.execute("select etl.ensure_days('2031-03-01', '2031-03-02')")
            let partition = "analytics.fact_title_streak_y2031m03"
            #expect(
                try admin.query("select count(*)::int from etl.kept_view_sources() where source = $1::regclass and moves_generation", [partition])
                    .scalar(as: Int.self) == 1)
            #expect(try admin.query("select bool_and(moves_generation) from etl.kept_view_sources()").scalar(as: Bool.self))
            try admin.execute("select etl.refresh_kept_reports()")
            // A change of the settings is such a write: at a higher k the views decide again.
            #expect(try admin.query("select count(*)::int from analytics.kept_coviewing where shared_viewers < 25").scalar(as: Int.self) > 0)
            try admin.execute("update report.settings set k = 25")
            #expect(try admin.query(current).scalar(as: Int.self) == 0)
            #expect(try await analyst.query("select count(*) from report.coviewing where shared_viewers < 25") == "0")
        }
    }

    /// The relations a query as the analyst scans, with the rows each scan returned and removed, from
    /// EXPLAIN ANALYZE: what an analyst can count with it.
    static func scans(_ analyst: AnalystSession, _ sql: String) async throws -> [(relation: String, rows: Int, removed: Int)] {
        let json = try await analyst.query("explain (analyze, costs off, timing off, summary off, format json) \(sql)")
        let plans = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], "\(json)")
        var found: [(String, Int, Int)] = []
        func walk(_ node: [String: Any]) {
            let loops = node["Actual Loops"] as? Int ?? 0
            if loops > 0, let relation = node["Relation Name"] as? String ?? node["Function Name"] as? String {
                let removed = ["Rows Removed by Filter", "Rows Removed by Join Filter", "Rows Removed by Index Recheck"].compactMap { node[$0] as? Int }
                found.append((relation, node["Actual Rows"] as? Int ?? 0, removed.reduce(0, +)))
            }
            for child in node["Plans"] as? [[String: Any]] ?? [] { walk(child) }
        }
        for plan in plans { walk(try #require(plan["Plan"] as? [String: Any])) }
        return found
    }

    @Test(
        "EXPLAIN ANALYZE as the analyst scans only kept rows, or the rows a function returns whole, never the facts: no count of hidden cells reaches the plan, with the kept rows current or not"
    )
    func explainSeesNoHiddenRow() async throws {
        try await withAnalystWarehouse { db, analyst in
            let admin = try db.connect()
            defer { admin.close() }
            // A title-day of 1 to k - 1 viewers and raters: no view has a row for it.
            let hidden = try #require(
                try admin.query(
                    """
                    select t.title_id, d.full_date::text, f.viewers from analytics.fact_title_daily f
                    join analytics.dim_title t using (title_key) join analytics.dim_date d using (date_key)
                    where f.viewers between 1 and 10 and f.raters between 1 and 10 order by 1, 2 limit 1
                    """
                ).rows.first)
            let (title, day, viewers) = (try hidden.decode(0, as: Int.self), try hidden.decode(1, as: String.self), try hidden.decode(2, as: Int.self))
            #expect(try await analyst.query("select count(*) from report.title_daily where title_id = \(title) and day = '\(day)'") == "0")
            let probes = [
                "select * from report.title_daily where title_id = \(title) and day = '\(day)' and viewers = \(viewers)",
                "select count(*) from report.title_daily where viewers = 1",
                "select * from report.title_ratings where title_id = \(title) and day = '\(day)' and raters = 1",
                "select * from report.title_streaks where title_id = \(title) and as_of = '\(day)'",
                "select * from report.title_weekly where title_id = \(title) and viewers < 20",
                "select * from report.title_monthly where title_id = \(title)",
                "select * from report.title_segments where title_id = \(title) and day = '\(day)'",
                "select * from report.title_breakdown where title_id = \(title) and viewers = 11",
                "select * from report.coviewing where title_a_id = \(title) and shared_viewers = 11",
                "select * from report.group_totals where viewers = 11",
                "select * from report.titles where title_id = \(title) and first_day = '\(day)'",
            ]
            let kept = Set(Self.kept.keys.map { "kept_\($0)" } + Self.kept.keys.map { "\($0)_rows" } + ["kept_reports", "facts_generation"])
            // The dataset was written after migrate kept an empty warehouse: every view decides now.
            for state in ["decided at the read", "kept"] {
                if state == "kept" { try admin.execute("select etl.refresh_kept_reports()") }
                #expect(try admin.query(Self.keptCurrent).scalar(as: Int.self) == (state == "kept" ? Self.kept.count : 0))
                for probe in probes {
                    let scans = try await Self.scans(analyst, probe)
                    #expect(!scans.isEmpty, "\(probe): no scan in the plan")
                    for scan in scans {
                        let published = kept.contains(scan.relation)
                        #expect(published, "\(state): \(probe) scans \(scan.relation) (\(scan.rows) rows, \(scan.removed) removed)")
                    }
                }
            }
        }
    }

    @Test(
        "a refresh of the kept views races a change of k in another session: a refresh begun while the change is uncommitted waits for it and keeps its rows at the new k; a change made while a refresh is uncommitted waits for it, and then the views decide at the new k"
    )
    func keptViewsRaceSettings() async throws {
        try await withAnalystWarehouse { db, analyst in
            let admin = try db.connect()
            defer { admin.close() }
            let conninfo = db.conninfo
            let session = { @Sendable (name: String) in try PostgresConnection.connect(conninfo, applicationName: name, logger: quietLogger()) }
            // Whether the session named so is waiting on a lock; polled until it is, or for 30 s.
            let waitsOnLock = { (name: String) async throws -> Bool in
                for _ in 0..<600 {
                    let waiting = try admin.query(
                        """
                        select exists (select 1 from pg_stat_activity
                                       where datname = current_database() and application_name = $1 and wait_event_type = 'Lock')
                        """, [name]
                    ).scalar(as: Bool.self)
                    if waiting { return true }
                    try await Task.sleep(for: .milliseconds(50))
                }
                return false
            }
            let keptBelow25 = "select count(*)::int from analytics.kept_coviewing where shared_viewers < 25"
            let shownBelow25 = "select count(*) from report.coviewing where shared_viewers < 25"
            try admin.execute("select etl.refresh_kept_reports()")
            #expect(try admin.query(keptBelow25).scalar(as: Int.self) > 0, "the dataset has pairs below 25 to hide")

            // Runs `held` in session `holder`, uncommitted, then `waiting` in session `waiter` on a
            // thread; commits `held` once `waiter` waits on a lock (or after 30 s) and says whether it did.
            // Nothing between the two may throw before the commit, and the waiter gives up after a
            // minute, so that a failure cannot leave the test waiting on its own lock.
            let race = { (holder: String, held: String, waiter: String, waiting: String) async throws -> Bool in
                let first = try session(holder)
                defer { first.close() }
                try first.execute("begin")
                try first.execute(held)
                async let second: Void = onThread {
                    let other = try session(waiter)
                    defer { other.close() }
                    try other.execute("set lock_timeout = '60s'")
                    try other.execute(waiting)
                }
                let waited = (try? await waitsOnLock(waiter)) ?? false
                try? first.execute("commit")
                try await second
                return waited
            }
            let (change, refresh) = ("update report.settings set k = 25", "select etl.refresh_kept_reports()")

            // 1. k = 25 is written but not committed; a refresh begun now waits for it (the change
            // holds the generation row that the refresh locks first) ...
            #expect(try await race("race: change of k", change, "race: refresh", refresh), "the refresh did not wait for the uncommitted change of k")
            // ... and so makes its rows at k = 25, current, which the analyst reads. (Without the wait
            // they would be made at 11 and labelled with the generation before the change: stale,
            // so never shown, but the views would decide at each read until the next load.)
            #expect(try admin.query(Self.keptCurrent).scalar(as: Int.self) == Self.kept.count)
            #expect(try admin.query(keptBelow25).scalar(as: Int.self) == 0)
            #expect(try await analyst.query(shownBelow25) == "0")

            // 2. Back at k = 11, kept; a refresh not yet committed holds the generation row, so a
            // change of k made now waits for it ...
            try admin.execute("update report.settings set k = 11")
            try admin.execute(refresh)
            #expect(try admin.query(keptBelow25).scalar(as: Int.self) > 0)
            #expect(try await race("race: refresh", refresh, "race: change of k", change), "the change of k did not wait for the uncommitted refresh")
            // ... and then moves the generation past the rows kept at k = 11: the views decide at 25.
            // (This half holds without the lock too, since the refresh reads the generation before
            // it makes its rows; only the wait tells.)
            #expect(try admin.query(Self.keptCurrent).scalar(as: Int.self) == 0)
            #expect(try admin.query(keptBelow25).scalar(as: Int.self) > 0)
            #expect(try await analyst.query(shownBelow25) == "0")
        }
    }

    @Test("every count of people in every report view is at least k, never NULL, and the views follow k when the DBA changes it")
    func suppressionFloorFollowsK() async throws {
        try await withAnalystWarehouse { db, analyst in
            let admin = try db.connect()
            defer { admin.close() }
            for k in [11, 25, 60, 5] {
                try admin.execute("update report.settings set k = \(k)")
                let rows = try await analyst.query(AnalystChecks.floor).split(separator: "\n").map { $0.split(separator: "|").map(String.init) }
                #expect(rows.map { $0[0] }.sorted() == Self.views, "k = \(k)")
                for row in rows where row.count == 3 {
                    #expect(row[1] == "0", "k = \(k): \(row[1]) rows of report.\(row[0]) show a count below k, a NULL count or a linked difference below k")
                    #expect(k > 25 || (Int(row[2]) ?? 0) > 0, "k = \(k): report.\(row[0]) has no rows")
                }
                // The analyst's title-days are exactly the facts at or above this k: a hidden day has no row.
                let days = try await analyst.query("select count(*) from report.title_daily")
                let truth = try admin.query("select count(*)::int from analytics.fact_title_daily where viewers >= \(k)").scalar(as: Int.self)
                #expect(Int(days) == truth, "k = \(k): report.title_daily has \(days) rows, the facts hold \(truth) at or above k")
                // The tweet's answer is the 53 or a range around them, never a wrong number.
                let tweet = try await analyst.run(["-At", "-f", Self.examples.appendingPathComponent("streak_viewers.sql").path])
                let answer = tweet.stdout.split(separator: "|").last.map(String.init) ?? ""
                let range = answer.firstMatch(of: /between (\d+) and (\d+) people/).map { (Int($0.1)!, Int($0.2)!) }
                #expect(
                    answer.hasPrefix("53 people watched A Christmas Prince every day for the past 18 days") || range.map { $0.0 <= 53 && 53 <= $0.1 } == true,
                    "k = \(k): \(tweet.stdout)\(tweet.stderr)")
                if k <= 11 { #expect(answer.hasPrefix("53 people watched"), "k = \(k): \(answer)") }
            }
            #expect(throws: PostgresError.self) { try admin.execute("update report.settings set k = 1") }
        }
    }

    @Test(
        "linked counts: no two shown streak counts or periods differ by 1 to k - 1, no four shown streak counts around a run give 1 to k - 1 people, and no published combination narrows a hidden day or streak below the protection level",
        arguments: [11, 20])
    func linkedIdentities(k: Int) async throws {
        try await withAnalystWarehouse { db, _ in
            let admin = try db.connect()
            defer { admin.close() }
            try admin.execute("update report.settings set k = \(k)")
            let row = try #require(try admin.query(AnalystChecks.identities).rows.first)
            let result = try AnalystChecks.identityColumns.reduce(into: [String: Int]()) { $0[$1] = try row.decode($1, as: Int.self) }
            #expect(result["close_lengths"] == 0, "\(result)")
            #expect(result["close_periods"] == 0, "\(result)")
            #expect(result["close_groups"] == 0, "\(result)")
            #expect((result["groups_shown"] ?? 0) > 0, "\(result)")
            #expect(result["groups_over_hidden_titles"] == 0, "a group less its other titles would bound a hidden one: \(result)")
            #expect(result["pairs_of_hidden_periods"] == 0, "a pair would give a hidden title-period's viewers back: \(result)")
            let pairs = try #require(try admin.query(AnalystChecks.pairs()).rows.first)
            #expect(try pairs.decode("narrow_pairs_by_thirds", as: Int.self) == 0, "a hidden pair's shown pairs with one or two third titles narrow it")
            #expect(try pairs.decode("pairs_with_thirds", as: Int.self) > 0, "the dataset has hidden pairs with shown pairs through a third title")
            #expect(try pairs.decode("pairs_with_two_thirds", as: Int.self) > 0, "and through two third titles")
            #expect(try pairs.decode("close_nested_pairs", as: Int.self) == 0, "a week's pair 1 to k - 1 below its month's")
            #expect(result["narrow_group_months"] == 0, "\(result)")
            #expect((result["group_months_narrow_if_shown"] ?? 0) > 0, "the planted group month would pin its small week: \(result)")
            #expect(result["narrow_lengths"] == 0, "\(result)")
            #expect((result["lengths_hidden_by_rule"] ?? 0) > 0, "the nested-counts rule hides lengths that k or more people had: \(result)")
            #expect(result["weeks_over_hidden_month_cells"] == 0, "a shown week value bounds its month's hidden cell: \(result)")
            #expect(result["close_breakdown_residuals"] == 0, "a week's all_other less its month's cells gives 1 to k - 1 people: \(result)")
            #expect(result["close_breakdowns"] == 0, "a month's value less a week's inside it gives 1 to k - 1 people: \(result)")
            #expect(
                result["close_staircases"] == 0, "a count, period or group less a staircase of three shown streak counts gives 1 to k - 1 people: \(result)")
            #expect((result["staircases_shown"] ?? 0) > 0, "the dataset shows staircases of three streak counts: \(result)")
            #expect(
                (result["close_staircases_if_all_shown"] ?? 0) > 0, "the dataset has staircases of 1 to k - 1 people inside a count: \(result)")
            #expect(result["breakdowns_narrowed_by_segments"] == 0, "\(result)")
            #expect(result["narrow_breakdown_months"] == 0, "a month's value less its weeks' narrows a small week cell: \(result)")
            #expect(result["narrow_by_hidden_months"] == 0, "a hidden month cell's lower bounds less its weeks' narrow a small week cell: \(result)")
            #expect(result["narrow_hidden_values"] == 0, "the all_other row less the other hidden values' upper bounds narrows one: \(result)")
            #expect(result["narrow_hidden_values_all_hidden"] == 0, "\(result)")
            #expect(
                (result["narrow_values_if_primary_only"] ?? 0) > 0, "hiding only the values below k would let the all_other row narrow one: \(result)")
            #expect(result["narrow_hidden_segments"] == 0, "the all_other row less the other hidden segments' upper bounds narrows one: \(result)")
            #expect(
                (result["narrow_segments_if_primary_only"] ?? 0) > 0, "hiding only the segments below k would let the all_other row narrow one: \(result)")
            #expect((result["hidden_values_with_segment_floors"] ?? 0) > 0, "hidden values have segments shown in the dataset: \(result)")
            #expect(
                (result["breakdown_months_narrow_if_shown"] ?? 0) > 0, "the dataset has month cells that would narrow a small week cell: \(result)")
            #expect(result["close_l_shapes"] == 0, "a shown streak count less two it holds plus their shown overlap gives 1 to k - 1 people: \(result)")
            #expect(result["close_rectangles"] == 0, "four shown streak counts around a run give 1 to k - 1 people: \(result)")
            #expect((result["close_rectangles_if_all_shown"] ?? 0) > 0, "the dataset has rectangles of runs of 1 to k - 1 people: \(result)")
            #expect(result["narrow_periods"] == 0, "\(result)")
            #expect(result["narrow_months"] == 0, "\(result)")
            #expect(result["narrow_months_by_weeks_and_days"] == 0, "a month less its weeks and days outside them pins a hidden day: \(result)")
            #expect((result["months_narrow_by_weeks_and_days_if_shown"] ?? 0) > 0, "the planted month (Weekly Serial) would pin its hidden day: \(result)")
            #expect((result["narrow_by_weeks_if_all_shown"] ?? 0) > 0, "the planted month would pin its small week: \(result)")
            #expect((result["periods_with_hidden_days"] ?? 0) > 0, "periods with hidden days are published and tested: \(result)")
            #expect((result["nested_if_all_shown"] ?? 0) > 0, "the dataset has periods 1 to k - 1 above a day or inside a month: \(result)")
            #expect(
                result["periods_hidden_by_rule"] == result["hidden_if_all_shown"],
                "the period rules hide exactly the periods that would narrow a hidden day or leave fewer than k people: \(result)")
            #expect((result["plays_over_hidden_days"] ?? 0) > 0, "periods show plays over hidden days that hold k people: \(result)")
            #expect(result["plays_of_fewer_than_k"] == 0, "\(result)")
            #expect(result["months_over_weeks"] == 0, "a month less its weeks would leave hidden days' plays: \(result)")
            // With weeks first, weeks show plays over hidden days, and still no month with one of them.
            try admin.execute("update report.settings set plays_priority = 'week'")
            let weeksRow = try #require(try admin.query(AnalystChecks.identities).rows.first)
            let weeksFirst = try AnalystChecks.identityColumns.reduce(into: [String: Int]()) { $0[$1] = try weeksRow.decode($1, as: Int.self) }
            #expect(weeksFirst["months_over_weeks"] == 0, "\(weeksFirst)")
            #expect(weeksFirst["plays_of_fewer_than_k"] == 0, "\(weeksFirst)")
            #expect((weeksFirst["plays_over_hidden_days"] ?? 0) > 0, "\(weeksFirst)")
            try admin.execute("update report.settings set plays_priority = 'month'")
            // At the highest protection level, publishing every period would narrow hidden days; the
            // rule hides those periods, and no others.
            try admin.execute("update report.settings set protection = \(k)")
            let strictRow = try #require(try admin.query(AnalystChecks.identities).rows.first)
            let strict = try AnalystChecks.identityColumns.reduce(into: [String: Int]()) { $0[$1] = try strictRow.decode($1, as: Int.self) }
            #expect((strict["narrow_if_all_shown"] ?? 0) > 0, "the dataset has periods that would narrow a hidden day: \(strict)")
            #expect(strict["narrow_periods"] == 0, "\(strict)")
            #expect(strict["periods_hidden_by_rule"] == strict["hidden_if_all_shown"], "\(strict)")
        }
    }

    @Test(
        "title_breakdown: within a title-period and dimension, the period's viewers less the shown values are at least k, in one all_other row",
        arguments: [11, 20])
    func breakdownResidual(k: Int) async throws {
        try await withAnalystWarehouse { db, _ in
            let admin = try db.connect()
            defer { admin.close() }
            try admin.execute("update report.settings set k = \(k)")
            let row = try #require(
                try admin.query(
                    """
                    with truth as (
                        select b.period_kind, b.period_start, t.title_id, b.dimension, count(*) as cells, min(p.viewers) as total, sum(b.plays) as plays
                        from analytics.fact_title_period_breakdown b
                        join analytics.fact_title_period p using (period_kind, period_start, title_key)
                        join analytics.dim_title t on t.title_key = b.title_key
                        group by 1, 2, 3, 4
                    ), shown as (
                        select period, period_start, title_id, dimension,
                            count(*) filter (where not all_other) as shown_cells, coalesce(sum(viewers) filter (where not all_other), 0) as shown_viewers,
                            sum(viewers) filter (where all_other) as residual, count(*) filter (where all_other) as others,
                            sum(plays) as plays, bool_or(suppressed) as suppressed
                        from report.title_breakdown group by 1, 2, 3, 4
                    )
                    select
                        count(*) filter (where s.others = 0 and s.shown_cells < t.cells)::int as hidden_without_other,
                        count(*) filter (where s.others > 1)::int as several_others,
                        count(*) filter (where s.others = 1 and (s.residual <> t.total - s.shown_viewers or s.residual < \(k)))::int as wrong_residual,
                        count(*) filter (where t.cells - s.shown_cells = 1)::int as lone_hidden,
                        count(*) filter (where not s.suppressed and s.plays <> t.plays)::int as plays_not_adding_up,
                        count(*) filter (where s.shown_cells < t.cells)::int as groups_with_hidden,
                        (select count(*)::int from report.title_breakdown b where not exists (
                            select 1 from report.title_monthly m where b.period = 'month' and m.month_start = b.period_start and m.title_id is not distinct from b.title_id
                            union all
                            select 1 from report.title_weekly w where b.period = 'week' and w.week_start = b.period_start and w.title_id is not distinct from b.title_id
                        )) as unpublished_periods
                    from truth t
                    join shown s on s.period = t.period_kind and s.period_start = t.period_start and s.title_id is not distinct from t.title_id
                        and s.dimension = t.dimension
                    """
                ).rows.first)
            let names = ["hidden_without_other", "several_others", "wrong_residual", "lone_hidden", "plays_not_adding_up", "unpublished_periods"]
            for name in names { #expect(try row.decode(name, as: Int.self) == 0, "\(name), k = \(k)") }
            #expect(try row.decode("groups_with_hidden", as: Int.self) > 0, "the dataset has title-periods with hidden values")
        }
    }

    @Test("thumbs are shown only where k people rated, however many watched, and each side is empty or, by raters less the other side, k people or more")
    func ratingsByRaters() async throws {
        try await withAnalystWarehouse { db, analyst in
            let admin = try db.connect()
            defer { admin.close() }
            let fewRaters = try admin.query(
                "select count(*)::int from analytics.fact_title_daily where viewers >= 11 and raters between 1 and 10"
            ).scalar(as: Int.self)
            #expect(fewRaters > 0, "the dataset has watched title-days with few raters")
            let shown = try await analyst.query(
                "select count(*) from report.title_ratings r join report.title_daily d using (day, title_id) where r.raters < 11")
            #expect(shown == "0")
            let rows = try await analyst.query("select count(*) from report.title_ratings")
            let truth = try admin.query(
                """
                select count(*)::int from analytics.fact_title_daily
                where raters >= 11 and (thumbs_down = 0 or raters - thumbs_up >= 11) and (thumbs_up = 0 or raters - thumbs_down >= 11)
                """
            ).scalar(as: Int.self)
            #expect(Int(rows) == truth)
            // Each side's people lie between raters less the other side and the side's thumbs (each
            // rater gave at least one): a side shown is empty or at least k.
            let small = try await analyst.query(
                """
                select count(*) from report.title_ratings
                where (thumbs_down > 0 and raters - thumbs_up < 11) or (thumbs_up > 0 and raters - thumbs_down < 11)
                """)
            #expect(small == "0")
            let hiddenSides = try admin.query(
                """
                select count(*)::int from analytics.fact_title_daily
                where raters >= 11 and ((thumbs_down > 0 and raters - thumbs_up < 11) or (thumbs_up > 0 and raters - thumbs_down < 11))
                """
            ).scalar(as: Int.self)
            #expect(hiddenSides > 0, "the dataset has title-days of k raters with a side of 1 to k - 1 people")
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
            try #require(fields.count == 5, "\(tweet.stdout)\(tweet.stderr)")
            #expect(fields[3] == "53")
            #expect(fields[4] == "53 people watched A Christmas Prince every day for the past 18 days")

            // Titles are found by any name they had, in any case; a name that matches nothing, and a
            // streak length out of range, are said as such instead of an empty or a wrong answer.
            let renamed = try await analyst.run(["-At", "-v", "title=night shift", "-f", Self.examples.appendingPathComponent("weekly_trend.sql").path])
            #expect(renamed.status == 0 && renamed.stdout.contains("Night Shift (Director's Cut)"), "\(renamed.stdout)\(renamed.stderr)")
            let unknown = try await analyst.run(["-v", "title=No Such Film", "-f", Self.examples.appendingPathComponent("also_watched.sql").path])
            #expect(unknown.status == 0 && unknown.stdout.contains("No title is called 'No Such Film'"), "\(unknown.stdout)\(unknown.stderr)")
            let oneDay = try await analyst.run(["-v", "days=1", "-f", Self.examples.appendingPathComponent("streak_viewers.sql").path])
            #expect(oneDay.stdout.contains("days must be from 2") && !oneDay.stdout.contains("people watched"), "\(oneDay.stdout)\(oneDay.stderr)")
        }
    }

    @Test(
        "I2t on 2,000 random weeks of six titles: once report.held_pairs has hidden its pairs, no hidden pair of two shown titles is bounded to fewer than p values (at most k - 1) through one third or two whose pairs are shown (AnalystChecks.TwoThirds, which GLPK checks), counting only the values a missing pair may take (below k, or I2's, unless held back); I2 alone leaves such pairs, and a protection level of k or more holds what k - 1 does; a program over every count of a week at once narrows more (a known issue)",
        arguments: [6, 11])
    func heldPairsOnRandomWeeks(p: Int) async throws {
        try await withTestDatabase { db in
            try migrate(db, .warehouse)
            let connection = try db.connect()
            let (k, titles) = (11, 6)
            var random = SplitMix(seed: 47)
            // Per week, the people of each pattern of titles (title t is bit t): six patterns drawn
            // at random, each with a few people or about k, so that titles nest and pairs nearly
            // fill them. I2 alone then leaves 91 hidden pairs narrowed.
            let weeks = (0..<2_000).map { _ in
                var week = Array(repeating: 0, count: (1 << titles) - 1)
                for _ in 0..<6 { week[Int.random(in: 0..<week.count, using: &random)] += [2, 3, 4, 11, 12, 13, 25].randomElement(using: &random)! }
                return week
            }
            func people(_ week: [Int], on mask: Int) -> Int { (1..<(1 << titles)).filter { $0 & mask == mask }.reduce(0) { $0 + week[$1 - 1] } }
            // Every stored pair (1 or more shared) of two titles of k or more viewers, and whether I2 shows it.
            var stored: [HeldPair: (shared: Int, candidate: Bool)] = [:]
            var rows: [HeldPair.Row] = []
            for (w, week) in weeks.enumerated() {
                for a in 0..<titles {
                    for b in (a + 1)..<titles {
                        let (va, vb, shared) = (people(week, on: 1 << a), people(week, on: 1 << b), people(week, on: 1 << a | 1 << b))
                        guard va >= k, vb >= k, shared >= 1 else { continue }
                        let candidate = shared >= k && (va == shared || va - shared >= k) && (vb == shared || vb - shared >= k)
                        stored[HeldPair(week: w, a: a, b: b)] = (shared, candidate)
                        rows.append(HeldPair.Row(pair: HeldPair(week: w, a: a, b: b), shared: shared, viewersA: va, viewersB: vb, candidate: candidate))
                    }
                }
            }
            let held = try HeldPair.held(rows, k: k, p: p, on: connection)
            // The attacker's range for each hidden pair, from the shown titles and pairs: through one
            // third or two at a time, as I2t bounds it, or `atOnce`, from every shown count of the
            // week together (GLPK over the people of each pattern of the six titles, people whole,
            // a title below k at most k - 1; missing pairs unconstrained).
            func narrowed(shown: Set<HeldPair>, atOnce: Bool = false) -> Set<HeldPair> {
                var found: Set<HeldPair> = []
                var programs: [Int: LinearProgram] = [:]
                let patterns = Patterns(items: titles)
                for (pair, value) in stored where !shown.contains(pair) {
                    let week = weeks[pair.week]
                    let count1 = { (t: Int) in people(week, on: 1 << t) }
                    let both = { (x: Int, y: Int) in people(week, on: 1 << x | 1 << y) }
                    let isShown = { (x: Int, y: Int) in shown.contains(HeldPair(week: pair.week, a: min(x, y), b: max(x, y))) }
                    var (least, most) = (0, min(count1(pair.a), count1(pair.b)))
                    if atOnce {
                        let program =
                            programs[pair.week]
                            ?? LinearProgram(
                                variables: patterns.count,
                                constraints: (0..<titles).map { t in
                                    count1(t) >= k
                                        ? (patterns.including(1 << t), .equal, Double(count1(t))) : (patterns.including(1 << t), .atMost, Double(k - 1))
                                }
                                    + shown.filter { $0.week == pair.week }.map {
                                        (patterns.including(1 << $0.a | 1 << $0.b), .equal, Double(both($0.a, $0.b)))
                                    })
                        programs[pair.week] = program
                        let objective = patterns.including(1 << pair.a | 1 << pair.b)
                        (least, most) = (Int(program.optimum(of: objective, GLP_MIN)!.rounded()), Int(program.optimum(of: objective, GLP_MAX)!.rounded()))
                    } else {
                        let thirds = (0..<titles).filter { $0 != pair.a && $0 != pair.b && isShown(pair.a, $0) && isShown(pair.b, $0) }
                        for c in thirds {
                            for d in thirds where d >= c && (d == c || isShown(c, d)) {
                                let counts = [
                                    count1(pair.a), count1(pair.b), count1(c), count1(d), both(pair.a, c), both(pair.a, d), both(pair.b, c), both(pair.b, d),
                                    d == c ? count1(c) : both(c, d),
                                ]
                                guard let bounds = AnalystChecks.TwoThirds.bounds(counts) else { continue }
                                (least, most) = (max(least, bounds.lowerBound), min(most, bounds.upperBound))
                            }
                        }
                    }
                    #expect((least...max(least, most)).contains(value.shared), "counts made from people lie within their bounds")
                    // The values a missing pair may take: below k, or 1 to k - 1 of a title outside it
                    // (I2); any, held back by I2t.
                    let (va, vb) = (count1(pair.a), count1(pair.b))
                    let mayTake = { (v: Int) in value.candidate || v < k || (1..<k).contains(va - v) || (1..<k).contains(vb - v) }
                    let possible = (least...max(least, most)).filter(mayTake)
                    // A pair that I2 hides keeps only its titles' band values (k - 1, up to k) once a lower bound
                    // passes k - 1, so p counts as k - 1 at most.
                    if possible.count < min(p, k - 1) { found.insert(pair) }
                }
                return found
            }
            let candidates = Set(stored.filter(\.value.candidate).keys)
            #expect(held.isSubset(of: candidates))
            let narrowedByI2 = narrowed(shown: candidates).count
            #expect(narrowedByI2 > 0, "I2 alone leaves hidden pairs narrowed")
            #expect(narrowed(shown: candidates.subtracting(held)).isEmpty, "\(held.count) held of \(candidates.count)")
            // The program over every shown count of a week narrows what one or two thirds do, and
            // more: I2t does not take three or more thirds at once (docs/analysts.md, section 3).
            let atOnce = (i2: narrowed(shown: candidates, atOnce: true), i2t: narrowed(shown: candidates.subtracting(held), atOnce: true))
            #expect(narrowed(shown: candidates).isSubset(of: atOnce.i2), "the program takes every bound of one or two thirds")
            #expect(
                atOnce.i2t.count == (p < k ? 22 : 11), "\(atOnce.i2t.count) narrowed, with every count of a week at once, of \(atOnce.i2.count) with I2 alone")
            withKnownIssue("I2t bounds a pair through one third or two at a time, and leaves pairs that every count of the week at once narrows") {
                #expect(atOnce.i2t.isEmpty)
            }
            // What it costs with this seed: at p = 6, 94 pairs held for 91 narrowed, of 11,161 that I2
            // shows (43 for 45 when a missing pair was taken to be any value of its range); at k - 1
            // or more, 849 for 615.
            #expect(held.count == (p < k ? 94 : 849), "\(held.count) held for \(narrowedByI2) narrowed, of \(candidates.count)")
            if p >= k {
                // Holding band pairs to k values would hide pair after pair that gives one a lower bound of k.
                #expect(try HeldPair.held(rows, k: k, p: k - 1, on: connection) == held)
                #expect(try HeldPair.held(rows, k: k, p: k + 4, on: connection) == held)
            }
        }
    }

    @Test(
        "report.held_pairs bounds a hidden pair as closely as AnalystChecks.TwoThirds (which GLPK checks): on 2,000 random populations of four titles, A and B hidden and their five other pairs shown, it hides nothing at p = the number of values of that range, and hides a pair at one more, through lower and upper bounds alike"
    )
    func heldPairsBoundExactly() async throws {
        try await withTestDatabase { db in
            try migrate(db, .warehouse)
            let connection = try db.connect()
            // Title t is bit t: A 0, B 1, C 2, D 3; the people of each of the 15 patterns. k is above
            // every count, so a missing pair may be any value of its range.
            let sizes = [0, 0, 0, 1, 2, 3, 5, 10, 30]
            let k = 1_000
            var random = SplitMix(seed: 53)
            var byWidth: [Int: [HeldPair.Row]] = [:]
            var (lower, upper) = (0, 0)
            for w in 0..<2_000 {
                let week = (1...15).map { _ in sizes.randomElement(using: &random)! }
                let count = { (mask: Int) in (1...15).filter { $0 & mask == mask }.reduce(0) { $0 + week[$1 - 1] } }
                let counts = [1, 2, 4, 8, 5, 9, 6, 10, 12].map(count)
                let range = try #require(AnalystChecks.TwoThirds.bounds(counts))
                // A range of 0 to the smaller title is the titles' own, which no pair narrows.
                guard range != 0...min(counts[0], counts[1]) else { continue }
                if range.lowerBound > 0 { lower += 1 }
                if range.upperBound < min(counts[0], counts[1]) { upper += 1 }
                byWidth[range.count, default: []] += [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)].map { a, b in
                    HeldPair.Row(
                        pair: HeldPair(week: w, a: a, b: b), shared: count(1 << a | 1 << b), viewersA: count(1 << a), viewersB: count(1 << b),
                        candidate: (a, b) != (0, 1))
                }
            }
            #expect(lower > 100 && upper > 100, "\(lower) ranges bounded from below, \(upper) from above")
            for (width, rows) in byWidth {
                #expect(try HeldPair.held(rows, k: k, p: width, on: connection).isEmpty, "\(width) values are enough")
                let held = Set(try HeldPair.held(rows, k: k, p: width + 1, on: connection).map(\.week))
                #expect(held == Set(rows.map(\.pair.week)), "\(width) values are too few for every population of that range")
            }
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

/// A pair of titles of one week (period start 2026-01-05 + 7 x week), as `report.held_pairs` takes it.
struct HeldPair: Hashable {
    let week: Int, a: Int, b: Int

    struct Row {
        let pair: HeldPair, shared: Int, viewersA: Int, viewersB: Int, candidate: Bool
    }

    /// The pairs that `report.held_pairs` hides among `rows`, at protection level `p` with `k`.
    static func held(_ rows: [Row], k: Int, p: Int, on connection: PostgresConnection) throws -> Set<HeldPair> {
        func array(_ values: [some CustomStringConvertible]) -> String { "{" + values.map(\.description).joined(separator: ",") + "}" }
        return Set(
            try connection.query(
                """
                select (held_start - date '2026-01-05') / 7, held_a, held_b
                from report.held_pairs(
                    $1::text[], array(select date '2026-01-05' + d from unnest($2::integer[]) with ordinality u (d, n) order by n),
                    $3::integer[], $4::integer[], $5::integer[], $6::integer[], $7::integer[], $8::boolean[],
                    array_fill(null::integer, array[cardinality($3::integer[])]), array_fill(null::integer, array[cardinality($3::integer[])]),
                    $9, $10)
                """,
                [
                    array(rows.map { _ in "week" }), array(rows.map { 7 * $0.pair.week }), array(rows.map(\.pair.a)), array(rows.map(\.pair.b)),
                    array(rows.map(\.shared)), array(rows.map(\.viewersA)), array(rows.map(\.viewersB)), array(rows.map(\.candidate)), k, p,
                ]
            ).rows.map { HeldPair(week: try $0.decode(0, as: Int.self), a: try $0.decode(1, as: Int.self), b: try $0.decode(2, as: Int.self)) })
    }
}
