import Foundation
import Logging
import Tally
import Testing

@Suite("tally load under kill -9", .enabled(if: TestServer.isAvailable))
struct LoadCrashTests {
    /// Enough source rows that a load takes a while: 1,500 profiles, 6 titles, 30 days.
    static func plantVolume(_ connection: PostgresConnection) throws {
        try connection.execute(
            """
            \(catalogueSQL(titles: 6, people: 1500))
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + (g * 7919) % 1500), 12, '0'))::uuid, 1 + g % 6,
                   now() - (g % 30) * interval '1 day' - interval '1 hour', 60 + g % 3000, g % 4 = 0,
                   (array['smart_tv', 'iphone', 'web', 'ps5'])[1 + g % 4], (array['GB', 'US', 'DE', 'BR', 'JP'])[1 + g % 5]
            from generate_series(1, 120000) g;
            insert into app.ratings (profile_id, title_id, thumb, rated_at)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + g % 1500), 12, '0'))::uuid, 1 + g % 6, case when g % 3 = 0 then -1 else 1 end,
                   now() - (g % 30) * interval '1 day'
            from generate_series(1, 5000) g;
            """)
    }

    /// Titles 1...`titles` (in the catalogue for `age`), and `people` accounts with one profile each:
    /// account n is 00000000-0000-4000-8000-<n in hex>, its profile 11111111-0000-4000-8000-<n in hex>.
    static func catalogueSQL(titles: Int, people: Int, age: String = "1 year") -> String {
        """
        insert into app.titles (title_id, name, kind, runtime_seconds, updated_at)
        select t, 'Title ' || t, 'movie', 3600, now() - interval '\(age)' from generate_series(1, \(titles)) t;
        insert into app.accounts (account_id, email, full_name, date_of_birth, country_code, plan)
        select ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'u' || n || '@example.test', 'User ' || n,
               date '1960-01-01' + n * 7, (array['GB', 'US', 'DE', 'BR', 'JP'])[1 + n % 5], (array['basic', 'standard', 'premium'])[1 + n % 3]
        from generate_series(1, \(people)) n;
        insert into app.profiles (profile_id, account_id, display_name, is_kids)
        select ('11111111-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
               'P' || n, n % 10 = 0
        from generate_series(1, \(people)) n;
        """
    }

    @Test("killed at four points and re-run, the warehouse equals an uninterrupted load")
    func killNine() async throws {
        try await withLoadFixture { fixture in
            try Self.plantVolume(try fixture.source())
            let reference = try await fixture.uninterruptedChecksum(withPrivateState: true)
            // Killed at four points, each held by a lock the test takes and the load then waits for:
            // opening its ledger row, extracting, merging people, and creating the partitions of the days.
            let points: [(database: TestDatabase, table: String)] = [
                (fixture.warehouse, "etl.runs"), (fixture.operational, "app.playback_events"),
                (fixture.warehouse, "private.people"), (fixture.warehouse, "analytics.fact_title_streak"),
            ]
            try await Self.killLoads(of: fixture, at: points)
            let final = try await TallyBinary.run(["load"], environment: fixture.environment)
            #expect(final.status == 0, "\(final.stderr)")
            #expect(try fixture.analyticsChecksum().merging(fixture.privateChecksum()) { $1 } == reference)
            let runs = try fixture.facts().query("select count(*)::int from etl.runs where status = 'succeeded' and rows_extracted > 0").scalar(as: Int.self)
            #expect(runs == 1, "exactly one run loaded the rows")
        }
    }

    /// Runs `tally load` once per point and kills it (-9) while it waits for a lock the test holds on
    /// the point's table; then waits until the killed runs' server sessions have ended (a session
    /// lives on until it next talks to its client), so that the next load does not find the lock held.
    static func killLoads(of fixture: LoadFixture, at points: [(database: TestDatabase, table: String)]) async throws {
        for point in points {
            let barrier = try point.database.connect()
            try barrier.execute("begin; lock table \(point.table) in access exclusive mode")
            let monitor = point.database.conninfo
            let status = try await TallyBinary.run(["load"], environment: fixture.environment, signal: .kill) {
                try TallyBinary.isWaitingOnLock(monitor, application: "tally load")
            }
            barrier.close()
            #expect(status == 137, "killed while waiting for \(point.table)")
        }
        try await TallyBinary.waitUntilGone(application: "tally load", in: [fixture.warehouse, fixture.operational])
    }
}
