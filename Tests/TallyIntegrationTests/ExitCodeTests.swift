import Foundation
import Tally
import Testing

/// Every exit code of the README's table, produced through the built binary as cron or a DBA meets
/// it. 75 from the lock and 130/143 from signals have tests of their own (NightlyLoadTests,
/// OperationsTests); this suite checks the table lists nothing else.
@Suite("exit codes, through the binary", .enabled(if: TestServer.isAvailable))
struct ExitCodeTests {
    @Test("the README's exit-code table lists exactly 0, 1, 2, 3, 75 and 130 / 143")
    func readmeTable() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let table = readme.components(separatedBy: "## Exit codes").dropFirst().first?.components(separatedBy: "\n\n").first ?? ""
        let codes = table.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: "|").first?.trimmingCharacters(in: .whitespaces) }
        #expect(codes == ["0", "1", "2", "3", "75", "130 / 143"])
    }

    @Test("2: a bad flag, a bad argument, a missing URL; nothing runs")
    func usage() async throws {
        let flag = try await TallyBinary.run(["load", "--no-such-flag"])
        #expect(flag.status == 2)
        #expect(flag.stderr.contains("--no-such-flag"), "\(flag.stderr)")
        let argument = try await TallyBinary.run(["migrate", "status", "--db", "nowhere"])
        #expect(argument.status == 2)
        let unset = try await TallyBinary.run(
            ["load"], environment: ["TALLY_OPERATIONAL_URL": nil, "TALLY_WAREHOUSE_URL": nil, "TALLY_PSEUDONYM_KEY_FILE": nil])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("TALLY_OPERATIONAL_URL"), "\(unset.stderr)")
    }

    @Test("tally load: 0 ok; 3 committed but rejects too many or metrics unwritable; 1 failed with nothing committed; 75 transient")
    func load() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            let viewer = try source.person(1)
            let facts = try fixture.facts()
            func succeeded() throws -> Int {
                try facts.query("select count(*)::int from etl.runs where status = 'succeeded'").scalar(as: Int.self)
            }

            try source.play(viewer, 1, on: try source.day(-3))
            let ok = try await TallyBinary.run(["load", "--quiet"], environment: fixture.environment)
            #expect(ok.status == 0, "\(ok.stderr)")
            #expect(try succeeded() == 1)

            try source.play(viewer, 1, on: try source.day(-2))
            try source.play(viewer, 1, on: try source.day(-2), seconds: -5)  // rejected: absurd duration
            let rejects = try await TallyBinary.run(["load", "--quiet", "--max-reject-share", "0.1"], environment: fixture.environment)
            #expect(rejects.status == 3)
            #expect(rejects.stderr.hasPrefix("tally: run "), "\(rejects.stderr)")
            #expect(rejects.stderr.contains("committed, but"))
            #expect(try succeeded() == 2, "exit 3 means the run committed")

            try source.play(viewer, 1, on: try source.day(-1))
            let metrics = try await TallyBinary.run(
                ["load", "--quiet", "--metrics-file", "/nonexistent/tally/tally.prom"], environment: fixture.environment)
            #expect(metrics.status == 3)
            #expect(metrics.stderr.contains("committed, but"), "\(metrics.stderr)")
            #expect(try succeeded() == 3)

            // The source's transaction ids "go back" behind the watermark, as after a restore.
            let watermark = try facts.query("select snapshot from etl.watermark").scalar(as: String.self)
            try facts.execute("update etl.watermark set snapshot = '4000000000:4000000000:'")
            try source.play(viewer, 1, on: try source.day(-1))
            let failed = try await TallyBinary.run(["load", "--quiet"], environment: fixture.environment)
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("behind the last loaded snapshot"), "\(failed.stderr)")
            #expect(try succeeded() == 3, "exit 1 means nothing committed")
            try facts.query("update etl.watermark set snapshot = $1", [watermark])

            var unreachable = fixture.environment
            unreachable["TALLY_WAREHOUSE_URL"] = "host=127.0.0.1 port=1 dbname=tally_warehouse user=nobody connect_timeout=2"
            let transient = try await TallyBinary.run(["load", "--quiet", "--attempts", "1"], environment: unreachable)
            #expect(transient.status == 75)
            #expect(transient.stderr.split(separator: "\n").count == 1, "\(transient.stderr)")
            #expect(try succeeded() == 3)
        }
    }

    @Test("tally migrate: 3 from status when an applied file changed, 0 once it is restored")
    func migrateStatus() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__a.sql", "create table a (id int);")
            try folder.migrator(for: db).up()
            let arguments = ["migrate", "status", "--db", "warehouse", "--dir", folder.root.path]
            let environment = ["TALLY_WAREHOUSE_URL": db.conninfo]
            try folder.write("V0001__a.sql", "create table a (id bigint);")
            let changed = try await TallyBinary.run(arguments, environment: environment)
            #expect(changed.status == 3)
            #expect(changed.stderr.contains("need attention"), "\(changed.stderr)")
            try folder.write("V0001__a.sql", "create table a (id int);")
            let restored = try await TallyBinary.run(arguments, environment: environment)
            #expect(restored.status == 0, "\(restored.stderr)")
        }
    }
}
