import Foundation
import Tally
import Testing

/// Whether Citus is installed, decided before the suite is built.
enum CitusInstall {
    /// Whether citus.so sits in the library folder of the PostgreSQL that LocalCluster would use.
    static let isInstalled = TestServer.initdbPaths.contains {
        FileManager.default.fileExists(atPath: $0.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("lib/citus.so").path)
    }
}

/// The warehouse on a Citus cluster of three local servers (a coordinator and two workers),
/// against a single-node warehouse fed by the same source with the same key. Skipped where Citus
/// is not installed: scripts/citus/build installs it (README, "The warehouse on Citus").
@Suite(
    "the warehouse on Citus",
    .enabled(
        if: TestServer.isAvailable && CitusInstall.isInstalled,
        "Citus is not installed for this PostgreSQL: run scripts/citus/build (README, 'The warehouse on Citus') to run this test"))
struct CitusTests {
    static let script = repositoryRoot.appendingPathComponent("scripts/citus/distribute.sql").path

    @Test("migrate, distribute (twice) and load on three nodes: facts and report views equal one node's, after late rows and a kill -9")
    func threeNodes() async throws {
        try await withLoadFixture { fixture in
            try LoadCrashTests.plantVolume(try fixture.source())
            try await withCitusWarehouse(fixture) { citus, coordinator, workers in
                // A first load while the coordinator is one node, as a running warehouse is before it moves.
                try fixture.load()
                try citus.load()
                try await Self.expectEqual(citus, fixture, "first load, before distribution")
                #expect(
                    try citus.facts().query("select count(*)::int from analytics.fact_title_daily").scalar(as: Int.self) > 0,
                    "the facts are not empty")

                // The distribution step moves the loaded state to the workers and empties the
                // coordinator's own copy; a second run changes nothing.
                let localBytes = "select pg_relation_size('private.activity')"
                #expect(try citus.facts().query(localBytes).scalar(as: Int.self) > 0)
                let layout =
                    "select string_agg(concat_ws(' ', table_name, citus_table_type, distribution_column, colocation_id), ', ' order by table_name::text) from citus_tables"
                let first = try await Self.psql(coordinator, file: Self.script)
                #expect(first.status == 0, "\(first.stderr)")
                let before = try citus.facts().query(layout).scalar(as: String.self)
                let second = try await Self.psql(coordinator, file: Self.script)
                #expect(second.status == 0 && !second.stderr.contains("NOTICE:  distributed"), "\(second.stderr)")
                #expect(try citus.facts().query(layout).scalar(as: String.self) == before)
                #expect(before.contains("private.activity distributed person_key"))
                #expect(before.contains("private.play_durations distributed title_id"))
                #expect(before.contains("private.people reference"))
                #expect(!before.contains("analytics.") && !before.contains("report."), "what analysts read stays on the coordinator: \(before)")
                let placements = try citus.facts().query(
                    """
                    select string_agg(distinct (nodeport = $1)::text, ',') from citus_shards where table_name = 'private.activity'::regclass
                    """, [coordinator.port]
                ).scalar(as: String.self)
                #expect(placements == "false", "every activity shard is on a worker")
                let nodes = try citus.facts().query(
                    "select count(distinct nodeport)::int from citus_shards where table_name = 'private.activity'::regclass"
                ).scalar(as: Int.self)
                #expect(nodes == 2, "the activity shards are on both workers")
                #expect(try citus.facts().query(localBytes).scalar(as: Int.self) == 0, "no row is left on the coordinator's disk")
                // An analyst login that reaches a worker is refused its shards.
                let shard = try citus.facts().query(
                    "select shard_name::text from citus_shards where table_name = 'private.activity'::regclass and nodeport = $1 limit 1",
                    [workers[0].port]
                ).scalar(as: String.self)
                try await withLoginRole(in: citus.warehouse, memberOf: ["tally_analyst"]) { analyst, _ in
                    let worker = try PostgresConnection.connect(
                        workers[0].tcpConninfo(database: citus.warehouse.name, user: analyst), logger: quietLogger())
                    defer { worker.close() }
                    #expect(throws: PostgresError.self) { try worker.query("select count(*) from \(shard)") }
                    #expect(throws: PostgresError.self) { try worker.query("select count(*) from private.activity") }
                }
                let verify = try Migrator(
                    database: "warehouse", directory: repositoryRoot.appendingPathComponent("migrations/warehouse").path,
                    conninfo: citus.warehouse.conninfo, logger: quietLogger()
                ).verify()
                #expect(verify.isClean, "tally migrate verify on the coordinator: \(verify.differences.prefix(5))")
                try await Self.expectEqual(citus, fixture, "after distribution")

                // Late rows for a day three weeks back, plays yesterday, new ratings and an erasure.
                // The Citus run computes a group of people at a time, reading each group's state from the workers.
                try Self.plantLateRows(try fixture.source(), seed: 1)
                try fixture.load()
                var grouped = try NightlyLoad(configuration: citus.configuration, logger: quietLogger())
                grouped.memoryBudget = PersonGroupsTests.small
                #expect(try grouped.run().peopleGroups > 1)
                try await Self.expectEqual(citus, fixture, "late rows, in groups of people")

                // Runs killed (-9) while they wait for a lock the test holds, then a run to completion.
                try Self.plantLateRows(try fixture.source(), seed: 2)
                try await LoadCrashTests.killLoads(of: citus, at: [(citus.warehouse, "etl.runs"), (citus.warehouse, "private.people")])
                let final = try await TallyBinary.run(["load"], environment: citus.environment)
                #expect(final.status == 0, "\(final.stderr)")
                try fixture.load()
                try await Self.expectEqual(citus, fixture, "after kill -9")

            }
        }
    }

    /// Facts, private state and every report view, read by an analyst login, of the two warehouses are equal.
    static func expectEqual(_ citus: LoadFixture, _ single: LoadFixture, _ when: String) async throws {
        let a = try citus.analyticsChecksum().merging(citus.privateChecksum()) { $1 }.merging(try await reportChecksum(citus)) { $1 }
        let b = try single.analyticsChecksum().merging(single.privateChecksum()) { $1 }.merging(try await reportChecksum(single)) { $1 }
        #expect(a == b, "\(when): differ in \(a.keys.filter { a[$0] != b[$0] }.sorted())")
        #expect(a.count > 20, "every fact table, private table and report view is compared")
    }

    /// An md5 of every row of each report view, read by a login in tally_analyst over TCP.
    static func reportChecksum(_ fixture: LoadFixture) async throws -> [String: String] {
        try await withLoginRole(in: fixture.warehouse, memberOf: ["tally_analyst"]) { analyst, password in
            let connection = try PostgresConnection.connect(
                try requireLocal(fixture.warehouse).tcpConninfo(database: fixture.warehouse.name, user: analyst, password: password), logger: quietLogger())
            defer { connection.close() }
            return try reportChecksum(connection)
        }
    }

    static func reportChecksum(_ connection: PostgresConnection) throws -> [String: String] {
        var sums: [String: String] = [:]
        for view in try connection.query("select table_name::text from information_schema.views where table_schema = 'report' order by 1").rows {
            let name = try view.decode(0, as: String.self)
            sums["report.\(name)"] = try connection.query(
                "select count(*) || ' ' || md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from report.\(name) t"
            ).scalar(as: String.self)
        }
        return sums
    }

    /// Plays three weeks back (late rows for loaded days), plays yesterday, ratings, and an erased account.
    static func plantLateRows(_ connection: PostgresConnection, seed: Int) throws {
        defer { connection.close() }
        try connection.execute(
            """
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + (g * 31 + \(seed)) % 1500), 12, '0'))::uuid, 1 + (g + \(seed)) % 6,
                   now() - (case when g % 2 = 0 then 21 else 1 end) * interval '1 day' - interval '2 hours', 90 + g % 2000, g % 3 = 0,
                   (array['smart_tv', 'iphone', 'web', 'ps5'])[1 + g % 4], (array['GB', 'US', 'DE', 'BR', 'JP'])[1 + g % 5]
            from generate_series(1, 4000) g;
            insert into app.ratings (profile_id, title_id, thumb, rated_at)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + (g * 17 + \(seed)) % 1500), 12, '0'))::uuid, 1 + g % 6, case when g % 4 = 0 then -1 else 1 end,
                   now() - interval '1 day'
            from generate_series(1, 300) g;
            update app.accounts set deleted_at = now() where account_id = ('00000000-0000-4000-8000-' || lpad(to_hex(\(seed * 7)), 12, '0'))::uuid;
            """)
    }

    /// Runs psql as the superuser on `server`'s tally_warehouse, as a DBA would run the script.
    static func psql(_ server: LocalServer, file: String) async throws -> TallyBinary.Outcome {
        let binaries = try await PostgresBinaries.locate()
        return try await TallyBinary.runProgram(
            binaries.url("psql").path, ["-X", "-v", "ON_ERROR_STOP=1", "-f", file, server.conninfo(database: "tally_warehouse")])
    }

    /// Starts a coordinator and two workers in a folder of their own, creates and migrates
    /// tally_warehouse on the coordinator, and gives `body` a LoadFixture whose warehouse is it
    /// (same source, ETL login and key as `fixture`), with a loader login of its own.
    func withCitusWarehouse(_ fixture: LoadFixture, _ body: (LoadFixture, LocalServer, [LocalServer]) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-citus-\(UUID().uuidString.prefix(8))")
        let cluster = try await CitusCluster(directory: directory)
        do {
            let coordinator = try await cluster.start(logger: quietLogger())
            try await cluster.createDatabase("tally_warehouse", logger: quietLogger())
            var workers: [LocalServer] = []
            for worker in cluster.workers { workers.append(try await worker.start(logger: quietLogger())) }
            let warehouse = TestDatabase(
                name: "tally_warehouse", server: TestServer.Handle(adminConninfo: coordinator.conninfo(database: "postgres"), local: coordinator),
                conninfo: coordinator.conninfo(database: "tally_warehouse"))
            try migrate(warehouse, .warehouse)
            try await withLoginRole(in: warehouse, memberOf: ["tally_loader"]) { loader, password in
                let citus = LoadFixture(
                    operational: fixture.operational, warehouse: warehouse, etlConninfo: fixture.etlConninfo,
                    loaderConninfo: coordinator.tcpConninfo(database: warehouse.name, user: loader, password: password), keyFile: fixture.keyFile)
                try await body(citus, coordinator, workers)
            }
            try await cluster.destroy(logger: quietLogger())
        } catch {
            try? await cluster.destroy(logger: quietLogger())
            throw error
        }
    }
}
