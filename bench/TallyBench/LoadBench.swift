import ArgumentParser
import Foundation
import Logging
import Tally

extension TallyBench {
    /// bench/load: tally load from an empty warehouse, against a psql COPY pipe of the same non-PII
    /// columns and a postgres_fdw `insert ... select` computing fact_title_daily, all in one run.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "load")
        @Option(help: "Playback events to generate.") var events = 5_000_000
        @Option(help: "Profiles (one account each).") var profiles = 50_000
        @Option(help: "Path of the release tally binary.") var tally = ".build/release/tally"
        @Option(help: "Rounds of (a), (b) and (c), one after another on the same data; the summary gives the medians.")
        var rounds = 3
        @Option(
            parsing: .upToNextOption,
            help: "Years of the history cases (tally seed --history's workload), each loaded once after the rounds; 0 to skip.")
        var history: [Int] = [10, 20]
        @Option(help: "tally load --history-span-rows for a second load of each history case; 0 to skip.")
        var historySpanRows = 20_000
        @Option(help: "tally load --memory-budget for (a); none: its default.")
        var memoryBudget: String?
        @Flag(
            help:
                "Shift the titles of each million events, so that (profile, day, title) keys keep growing with the events; by default they repeat after 1.05 million distinct keys."
        )
        var spread = false
        @Flag(
            help:
                "Reuse bench_operational when an earlier run generated it with the same --events, --profiles and --spread (generating 50M events takes over 10 minutes)."
        )
        var keepData = false

        func run() async throws {
            var logger = Logger(label: "bench")
            logger.logLevel = .warning
            let cluster = try await LocalCluster(directory: URL(fileURLWithPath: ".tally/bench"))
            let server = try await cluster.start(logger: logger)
            let admin = try PostgresConnection.connect(server.conninfo(database: "postgres"), logger: logger)
            guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
            // What generated the data, as a comment on the database, for --keep-data to compare.
            let shape = "tally-bench load --events \(events) --profiles \(profiles)\(spread ? " --spread" : "")"
            let generated = try admin.query("select shobj_description(oid, 'pg_database') from pg_database where datname = 'bench_operational'")
                .rows.first.flatMap { try? $0.decode(0, as: String?.self) }
            let reuse = keepData && generated == shape
            if keepData && !reuse { print("--keep-data: bench_operational was made by \(generated ?? "nothing known"), not \(shape); generating") }
            let op = server.conninfo(database: "bench_operational")
            let wh = server.conninfo(database: "bench_warehouse")
            if !reuse {
                try admin.execute("drop database if exists bench_operational with (force)")
                try admin.execute("create database bench_operational")
                try Migrator(database: "operational", directory: "migrations/operational", conninfo: op, logger: logger).up()
            }
            // The warehouse's roles must exist before the loader login; each round recreates the database.
            try admin.execute("drop database if exists bench_warehouse with (force)")
            try admin.execute("create database bench_warehouse")
            try Migrator(database: "warehouse", directory: "migrations/warehouse", conninfo: wh, logger: logger).up()
            try admin.execute(
                """
                do $$ begin create role bench_etl login password 'bench' in role tally_etl_reader; exception when duplicate_object then null; end $$;
                do $$ begin create role bench_loader login password 'bench' in role tally_loader; exception when duplicate_object then null; end $$;
                """)
            let keyFile = ".tally/bench/tally.key"
            FileManager.default.createFile(
                atPath: keyFile, contents: Data((0..<32).map { _ in UInt8.random(in: 0...255) }), attributes: [.posixPermissions: 0o600])

            if reuse {
                print("reusing bench_operational: \(shape)")
            } else {
                try generate(operational: op, admin: admin, shape: shape, logger: logger)
            }
            let local = "host=127.0.0.1 port=\(server.port)"
            let environment = [
                "TALLY_OPERATIONAL_URL": "\(local) dbname=bench_operational user=bench_etl password=bench",
                "TALLY_WAREHOUSE_URL": "\(local) dbname=bench_warehouse user=bench_loader password=bench",
                "TALLY_PSEUDONYM_KEY_FILE": keyFile,
            ]

            print("")
            var measured: [Round] = []
            for round in 1...rounds {
                let r = try measure(
                    server: server, admin: admin, operational: op, warehouse: wh, environment: environment,
                    psql: cluster.binaries.url("psql").path, logger: logger)
                measured.append(r)
                print(
                    "round \(round): (a) \(Self.seconds(r.a)) s, (b) \(Self.seconds(r.b)) s, (c) \(Self.seconds(r.c)) s, "
                        + "a/b \(String(format: "%.2f", r.a / r.b)), a/c \(String(format: "%.2f", r.a / r.c)), peak RSS \(r.rss) KiB, no-op \(Self.seconds(r.noop)) s"
                )
                print("  facts md5 \(r.checksum); \(r.summary)")
            }
            func median(_ values: [Double]) -> Double {
                let sorted = values.sorted()
                return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            }
            print("")
            print("events                      \(events)")
            print("rounds                      \(rounds) (medians below; each ratio is the median of the rounds' ratios)")
            print("(a) tally load              \(Self.seconds(median(measured.map(\.a)))) s, peak RSS \(measured.map(\.rss).max()!) KiB (highest)")
            print("(b) psql COPY pipe          \(Self.seconds(median(measured.map(\.b)))) s")
            print("(c) postgres_fdw fact       \(Self.seconds(median(measured.map(\.c)))) s")
            print("a/b                         \(String(format: "%.2f", median(measured.map { $0.a / $0.b })))")
            print("a/c                         \(String(format: "%.2f", median(measured.map { $0.a / $0.c })))")
            print("incremental, nothing new    \(Self.seconds(median(measured.map(\.noop)))) s")

            let fiveMillion = median(measured.map(\.a))
            for years in history where years > 0 {
                print("")
                print("history of \(years) years: seeding and loading ...")
                let h = try measureHistory(years: years, server: server, admin: admin, environment: environment, logger: logger)
                print("history \(years) years           \(h.events) events, tally load \(Self.seconds(h.seconds)) s, peak RSS \(h.rss) KiB")
                print("  time / (a) above           \(String(format: "%.2f", h.seconds / fiveMillion))")
                print(
                    "  warehouse / source events  \(h.warehouseBytes / 1_048_576) MiB / \(h.sourceBytes / 1_048_576) MiB = \(String(format: "%.2f", Double(h.warehouseBytes) / Double(max(h.sourceBytes, 1))))"
                )
                print("  fact_coviewing rows        \(h.coviewingRows), below the storage floor \(h.coviewingBelowFloor)")
                print("  rejects                    \(h.rejected)")
                if historySpanRows > 0 {
                    let spans = try measureHistory(
                        years: years, server: server, admin: admin, environment: environment, logger: logger, spanRows: historySpanRows)
                    print("  --history-span-rows \(historySpanRows): tally load \(Self.seconds(spans.seconds)) s, peak RSS \(spans.rss) KiB")
                }
            }
        }

        /// Generates the operational data: titles, accounts, profiles and events, then vacuums.
        func generate(operational op: String, admin: PostgresConnection, shape: String, logger: Logger) throws {
            print("generating \(events) events for \(profiles) profiles ...")
            let generate = Date()
            let source = try PostgresConnection.connect(op, logger: logger)
            // Each event's day is (g % 30) days before today, half a day or less before midnight (UTC,
            // the business time zone), so the same command makes the same 30 days at any time of day.
            // Counted back from now(), a run after midnight spread them over 31 days and made half as
            // many activity rows again (bench/RESULTS.md).
            try source.execute(
                """
                insert into app.titles (title_id, name, kind, runtime_seconds, updated_at)
                select t, 'Title ' || t, 'movie', 1800 + t % 5000, now() - interval '1 year' from generate_series(1, 2000) t;
                insert into app.accounts (account_id, email, full_name, date_of_birth, country_code, plan)
                select md5('a' || n)::uuid, 'u' || n || '@example.test', 'User ' || n, date '1950-01-01' + n % 20000,
                       (array['GB', 'US', 'DE', 'BR', 'JP', 'FR', 'IN'])[1 + n % 7], (array['basic', 'standard', 'premium'])[1 + n % 3]
                from generate_series(1, \(profiles)) n;
                insert into app.profiles (profile_id, account_id, display_name, is_kids)
                select md5('p' || n)::uuid, md5('a' || n)::uuid, 'P' || n, n % 10 = 0 from generate_series(1, \(profiles)) n;
                insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code, ip_address, user_agent)
                select md5('p' || (1 + (g * 7919) % \(profiles)))::uuid, 1 + (((g * 104729) % 2000) * ((g * 31) % 7 + 1)\(spread ? " + (g / 1000000) * 37" : "")) % 2000,
                       date_trunc('day', now()) - (g % 30) * interval '1 day' - (1 + g % 86400) * interval '1 second' / 2, g % 5400, g % 3 = 0,
                       (array['smart_tv', 'iphone', 'android_phone', 'web', 'ps5', 'roku'])[1 + g % 6],
                       (array['GB', 'US', 'DE', 'BR', 'JP', 'FR', 'IN'])[1 + g % 7], '10.0.0.1', 'Mozilla/5.0'
                from generate_series(1::bigint, \(events)::bigint) g;
                """)
            // Start every measurement from the same table state: the first reader of freshly
            // inserted rows sets their hint bits and writes every page again (about 3 s at 5M),
            // which would fall on (a) alone, since it reads first. Autovacuum does the same to a
            // real day's events long before the nightly load.
            try source.execute("vacuum (analyze)")
            try source.execute("checkpoint")
            print("generated in \(Self.seconds(Date().timeIntervalSince(generate))) s")
            try admin.execute("comment on database bench_operational is '\(shape)'")
        }

        /// One round's times in seconds, and tally's peak RSS in KiB.
        struct Round {
            var a: Double, b: Double, c: Double, noop: Double
            var rss: Int
            /// An md5 of every fact row, and tally load's summary line.
            var checksum: String
            var summary: String
        }

        /// One round on the generated data: a fresh, migrated warehouse, then (a) tally load from it
        /// empty and a no-op load, (b) the psql pipe, (c) the fdw statement.
        func measure(
            server: LocalServer, admin: PostgresConnection, operational op: String, warehouse wh: String,
            environment: [String: String], psql: String, logger: Logger
        ) throws -> Round {
            try admin.execute("drop database if exists bench_warehouse with (force)")
            try admin.execute("create database bench_warehouse")
            try Migrator(database: "warehouse", directory: "migrations/warehouse", conninfo: wh, logger: logger).up()

            // (a) tally load from an empty warehouse, under /usr/bin/time -v for peak RSS.
            let a = try Self.timed(
                "/usr/bin/time", ["-v", tally, "load"] + (memoryBudget.map { ["--memory-budget", $0] } ?? []), environment: environment)
            let rss = a.output.split(separator: "\n").first { $0.contains("Maximum resident set size") }?
                .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { Int($0) }
            guard a.status == 0, let rss else { throw ValidationError("tally load failed: \(a.output)") }

            // Every fact table's rows, for comparing two binaries on the same data.
            let facts = try PostgresConnection.connect(wh, logger: logger)
            let checksum = try facts.query(
                """
                select md5(string_agg(t, '|' order by t)) from (
                    select 'daily ' || (f.*)::text t from analytics.fact_title_daily f union all
                    select 'segment ' || (f.*)::text from analytics.fact_title_daily_segment f union all
                    select 'period ' || (f.*)::text from analytics.fact_title_period f union all
                    select 'coviewing ' || (f.*)::text from analytics.fact_coviewing f union all
                    select 'streak ' || (f.*)::text from analytics.fact_title_streak f union all
                    select 'breakdown ' || (f.*)::text from analytics.fact_title_period_breakdown f union all
                    select 'group ' || (f.*)::text from analytics.fact_group_period f) x
                """
            ).scalar(as: String.self)
            facts.close()

            // An incremental run with nothing new.
            let noop = try Self.timed(tally, ["load"], environment: environment)

            // (b) psql text pipe of the same non-PII columns into a staging table.
            let warehouse = try PostgresConnection.connect(wh, logger: logger)
            defer { warehouse.close() }
            try warehouse.execute(
                """
                create table public.bench_stage (event_id bigint, profile_id uuid, title_id integer, started_at timestamptz,
                    watched_seconds integer, completed boolean, device_type text, country_code char(2), ingested_at timestamptz)
                """)
            let pipe =
                "'\(psql)' -X -q -d '\(op)' -c 'copy (select event_id, profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code, ingested_at from app.playback_events) to stdout' | '\(psql)' -X -q -d '\(wh)' -c 'copy public.bench_stage from stdin'"
            let b = try Self.timed("/bin/bash", ["-c", pipe], environment: [:])

            // (c) postgres_fdw insert ... select computing fact_title_daily.
            try warehouse.execute(
                """
                create extension if not exists postgres_fdw;
                create server bench_op foreign data wrapper postgres_fdw options (host '\(server.socketDirectory)', port '\(server.port)', dbname 'bench_operational');
                create user mapping for current_user server bench_op options (user '\(server.superuser)');
                create schema remote;
                import foreign schema app limit to (playback_events) from server bench_op into remote;
                create table public.bench_fact (day date, title_id integer, viewers bigint, plays bigint, completed bigint, watch_seconds bigint);
                """)
            let c = Date()
            try warehouse.execute(
                """
                insert into public.bench_fact
                select (started_at at time zone 'UTC')::date, title_id, count(distinct profile_id), count(*), count(*) filter (where completed), sum(watched_seconds)
                from remote.playback_events group by 1, 2
                """)
            return Round(
                a: a.seconds, b: b.seconds, c: Date().timeIntervalSince(c), noop: noop.seconds, rss: rss, checksum: checksum,
                summary: a.output.split(separator: "\n").first.map(String.init) ?? "")
        }

        static func seconds(_ s: TimeInterval) -> String { String(format: "%.2f", s) }

        static func timed(_ program: String, _ arguments: [String], environment: [String: String]) throws -> (
            seconds: TimeInterval, status: Int32, output: String
        ) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let capture = FileManager.default.temporaryDirectory.appendingPathComponent("tally-bench-\(UUID().uuidString)")
            FileManager.default.createFile(atPath: capture.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: capture) }
            let handle = try FileHandle(forWritingTo: capture)
            process.standardOutput = handle
            process.standardError = handle
            let started = Date()
            try process.run()
            process.waitUntilExit()
            let seconds = Date().timeIntervalSince(started)
            try handle.close()
            return (seconds, process.terminationStatus, (try? String(contentsOf: capture, encoding: .utf8)) ?? "")
        }
    }
}
