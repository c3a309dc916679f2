import Foundation
import Logging
import Subprocess
import Tally
import Testing

@Suite("tally load for cron", .enabled(if: TestServer.isAvailable))
struct OperationsTests {
    @Test("two concurrent loads: exactly one proceeds, the other exits 75 naming the holder")
    func concurrentLoads() async throws {
        try await withLoadFixture { fixture in
            try LoadCrashTests.plantVolume(try fixture.source())
            async let first = TallyBinary.run(["load"], environment: fixture.environment)
            async let second = TallyBinary.run(["load"], environment: fixture.environment)
            let outcomes = try await [first, second]
            #expect(outcomes.map(\.status).sorted() == [0, 75], "\(outcomes.map(\.stderr))")
            let loser = outcomes.first { $0.status == 75 }
            #expect(loser?.stderr.contains("another tally load is running on this warehouse (pid ") == true)
            #expect(loser?.stdout.isEmpty == true)
        }
    }

    @Test(
        "SIGINT or SIGTERM mid-load: exit 130 or 143, nothing committed; the next run equals an uninterrupted one",
        arguments: [(Signal.interrupt, Int32(130)), (Signal.terminate, Int32(143))])
    func interrupted(by signal: Signal, exit: Int32) async throws {
        try await withLoadFixture { fixture in
            try LoadCrashTests.plantVolume(try fixture.source())
            let reference = try await fixture.uninterruptedChecksum()
            // A barrier: the load waits for this lock when it writes facts, mid-run, and is
            // signalled only once it waits there.
            let barrier = try fixture.facts()
            try barrier.execute("begin; lock table analytics.fact_title_daily in access exclusive mode")
            let monitor = fixture.warehouse.conninfo
            let status = try await TallyBinary.run(["load"], environment: fixture.environment, signal: signal) {
                try TallyBinary.isWaitingOnLock(monitor, application: "tally load")
            }
            barrier.close()
            #expect(status == exit)
            let facts = try fixture.facts()
            #expect(try facts.query("select count(*)::int from etl.runs where status = 'succeeded'").scalar(as: Int.self) == 0)
            #expect(try facts.query("select count(*)::int from etl.watermark").scalar(as: Int.self) == 0)
            #expect(try facts.query("select count(*)::int from analytics.fact_title_daily").scalar(as: Int.self) == 0)
            let ledger = try facts.query("select status || ': ' || coalesce(error_message, '') from etl.runs").rows.map { try $0.decode(0, as: String.self) }
            #expect(ledger.count == 1, "\(ledger)")
            let failed = try facts.query("select error_message from etl.runs where status = 'failed'").scalar(as: String.self)
            #expect(failed.contains("interrupted by signal \(signal.rawValue)"))
            let next = try await TallyBinary.run(["load", "--quiet"], environment: fixture.environment)
            #expect(next.status == 0, "\(next.stderr)")
            #expect(try fixture.analyticsChecksum() == reference)
        }
    }

    @Test("--quiet success prints nothing at all; without it, one summary line")
    func quiet() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            try source.play(try source.person(1), 1, on: try source.day(-1))
            let quiet = try await TallyBinary.run(["load", "--quiet"], environment: fixture.environment)
            #expect(quiet.status == 0)
            #expect(quiet.stdout.isEmpty)
            #expect(quiet.stderr.isEmpty)
            let loud = try await TallyBinary.run(["load"], environment: fixture.environment)
            #expect(loud.stdout.split(separator: "\n").count == 1)
            #expect(loud.stdout.hasPrefix("tally load: run "))
            #expect(loud.stderr.isEmpty)
        }
    }

    @Test("the metrics file is valid Prometheus text, line by line")
    func metrics() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            try source.play(try source.person(1), 1, on: try source.day(-1))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("tally-\(UUID().uuidString).prom").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let run = try await TallyBinary.run(["load", "--quiet", "--metrics-file", file], environment: fixture.environment)
            #expect(run.status == 0, "\(run.stderr)")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let sample = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.eE+-]+$"#)
            let comment = try Regex(#"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$"#)
            var samples: [String: Double] = [:]
            for line in text.split(separator: "\n") {
                let isSample = (try? sample.wholeMatch(in: String(line))) != nil
                let isComment = (try? comment.wholeMatch(in: String(line))) != nil
                #expect(isSample || isComment, "not Prometheus text: \(line)")
                if isSample, let space = line.lastIndex(of: " ") {
                    samples[String(line[..<space])] = Double(line[line.index(after: space)...])
                }
            }
            #expect(samples["tally_load_last_run_success"] == 1)
            #expect(samples["tally_load_rows_loaded"] == 1)
            #expect(samples["tally_load_rows_extracted"] == 1)
            #expect(samples["tally_load_rows_rejected"] == 0)
            #expect(samples["tally_load_days_recomputed"] == 1)
            #expect(samples["tally_load_source_lag_seconds"] != nil)
            #expect(samples["tally_load_duration_seconds"] != nil)
            #expect(abs((samples["tally_load_last_success_timestamp_seconds"] ?? 0) - Date().timeIntervalSince1970) < 600)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
                .filter { $0.hasPrefix(".") && $0.contains(URL(fileURLWithPath: file).lastPathComponent) }
            #expect(leftovers.isEmpty, "the temporary file was renamed into place")
        }
    }

    @Test("status --check exits 1 when stale or failed and 0 when fresh; --json parses")
    func statusCheck() async throws {
        try await withLoadFixture { fixture in
            let never = try await TallyBinary.run(["status", "--check"], environment: fixture.environment)
            #expect(never.status == 1)
            #expect(never.stderr.contains("never succeeded"))
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            try source.play(try source.person(1), 1, on: try source.day(-1))
            _ = try await TallyBinary.run(["load", "--quiet"], environment: fixture.environment)
            let fresh = try await TallyBinary.run(["status", "--check"], environment: fixture.environment)
            #expect(fresh.status == 0, "\(fresh.stderr)")
            #expect(fresh.stdout.contains("RUN  STATUS"))
            try fixture.facts().execute("update etl.runs set finished_at = finished_at - interval '30 hours'")
            let stale = try await TallyBinary.run(["status", "--check"], environment: fixture.environment)
            #expect(stale.status == 1)
            #expect(stale.stderr.contains("threshold 26 h"))
            let json = try await TallyBinary.run(["status", "--json"], environment: fixture.environment)
            let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect((parsed?["runs"] as? [Any])?.count == 1)
            #expect(parsed?["lagSeconds"] as? Double == 0)
        }
    }

    @Test("JSON log lines parse and every one carries the invocation id of the ledger row")
    func jsonLogs() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            try source.play(try source.person(1), 1, on: try source.day(-1))
            let run = try await TallyBinary.run(["load", "--log-format", "json", "--log-level", "debug"], environment: fixture.environment)
            #expect(run.status == 0)
            let lines = run.stderr.split(separator: "\n")
            #expect(lines.count >= 4)
            var ids = Set<String>()
            for line in lines {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
                #expect(object?["message"] != nil)
                if let id = object?["invocation"] { ids.insert(id) }
                #expect(object?["invocation"] != nil, "\(line)")
            }
            #expect(ids.count == 1, "\(run.stderr)")
            let ledger = try fixture.facts().query("select invocation from etl.runs").scalar(as: String.self)
            #expect(ids.first == ledger)
        }
    }

    @Test("the operational server restarting mid-extract: the run retries or fails cleanly; nothing lost or doubled")
    func operationalRestart() async throws {
        try await withLoadFixture { fixture in
            // The operational side gets a cluster of its own, so restarting it disturbs no other test.
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tally-restart-\(UUID().uuidString.prefix(6))")
            let cluster = try await LocalCluster(directory: dir)
            let server = try await cluster.start(logger: quietLogger())
            do {
                try server.ensureDatabases(["source"], logger: quietLogger())
                let admin = try PostgresConnection.connect(server.conninfo(database: "source"), logger: quietLogger())
                try Migrator(
                    database: "operational", directory: repositoryRoot.appendingPathComponent("migrations/operational").path,
                    conninfo: server.conninfo(database: "source"), logger: quietLogger()
                ).up()
                try admin.execute("create role restart_etl login password 'restart' in role tally_etl_reader")
                try LoadCrashTests.plantVolume(admin)
                admin.close()
                var environment = fixture.environment
                environment["TALLY_OPERATIONAL_URL"] = server.tcpConninfo(database: "source", user: "restart_etl", password: "restart")
                // A barrier: the extract blocks on this lock, so the restart below lands mid-extract,
                // never before the load started or after it finished.
                let barrier = try PostgresConnection.connect(server.conninfo(database: "source"), logger: quietLogger())
                try barrier.execute("begin; lock table app.playback_events in access exclusive mode")
                async let interrupted = TallyBinary.run(["load", "--attempts", "4"], environment: environment)
                let monitor = try PostgresConnection.connect(server.conninfo(database: "postgres"), logger: quietLogger())
                var isWaiting = false
                for _ in 0..<600 where !isWaiting {
                    isWaiting = try monitor.query(
                        "select exists (select 1 from pg_stat_activity where application_name = 'tally load (extract)' and wait_event_type = 'Lock')"
                    ).scalar(as: Bool.self)
                    if !isWaiting { try await Task.sleep(for: .milliseconds(50)) }
                }
                monitor.close()
                #expect(isWaiting, "the load never reached the extract")
                // A fast stop ends every session, the waiting extract's included; pg_ctl runs as the
                // server's OS user (as root, a bare pg_ctl refuses to run and nothing restarts).
                try await cluster.stop(logger: quietLogger())
                // The server may come back on another port if its old one is taken meanwhile.
                let restarted = try await cluster.start(logger: quietLogger())
                var after = fixture.environment
                after["TALLY_OPERATIONAL_URL"] = restarted.tcpConninfo(database: "source", user: "restart_etl", password: "restart")
                barrier.close()
                let first = try await interrupted
                #expect([0, 1, 75].contains(first.status), "\(first.stderr)")
                // The restart broke the run: it either retried (logged) or failed with one line.
                #expect(first.status != 0 || first.stderr.contains("transient failure, retrying"), "\(first.stderr)")
                if first.status != 0 { #expect(first.stderr.split(separator: "\n").last?.hasPrefix("tally: ") == true) }
                let next = try await TallyBinary.run(["load"], environment: after)
                #expect(next.status == 0, "\(next.stderr)")
                let source = try PostgresConnection.connect(restarted.conninfo(database: "source"), logger: quietLogger())
                let expected = try source.query("select count(*)::int from app.playback_events").scalar(as: Int.self)
                let loaded = try fixture.facts().query("select sum(plays)::int from analytics.fact_title_daily").scalar(as: Int.self)
                #expect(loaded == expected)
                source.close()
            } catch {
                Issue.record(error)
            }
            try? await cluster.destroy(logger: quietLogger())
        }
    }

    @Test("the README's crontab line, run as cron runs it (env -i, PATH=/usr/bin:/bin, /bin/sh), loads and prints nothing")
    func crontabLine() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            try source.play(try source.person(1), 1, on: try source.day(-1))
            let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
            let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("15 2 * * *") })
            // The command after the five schedule fields, as cron hands it to /bin/sh.
            let command = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)[5].trimmingCharacters(in: .whitespaces)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tally-cron-\(UUID().uuidString.prefix(6))")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            // The environment file as the docs write it: plain KEY="value" lines.
            let envFile = folder.appendingPathComponent("tally.env").path
            let lines = fixture.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value ?? "")\"" }
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: envFile))
            let metrics = folder.appendingPathComponent("tally.prom").path
            // Only the three paths change, to this machine's: the file, the binary and the metrics file.
            let local = command.replacingOccurrences(of: "/etc/tally/tally.env", with: envFile)
                .replacingOccurrences(of: "/usr/local/bin/tally", with: TallyBinary.url.path)
                .replacingOccurrences(of: "/var/lib/node_exporter/textfile/tally.prom", with: metrics)
            #expect(local != command)
            let run = try await TallyBinary.runProgram(
                "/usr/bin/env", ["-i", "HOME=\(folder.path)", "PATH=/usr/bin:/bin", "SHELL=/bin/sh", "/bin/sh", "-c", local])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.isEmpty && run.stderr.isEmpty, "\(run.stdout)\(run.stderr)")
            #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("tally_load_last_run_success 1"))
            let loaded = try fixture.facts().query("select count(*)::int from etl.runs where status = 'succeeded' and rows_loaded = 1")
                .scalar(as: Int.self)
            #expect(loaded == 1)
        }
    }
}
