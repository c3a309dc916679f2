import Foundation
import Tally
import Testing

@Suite("a run over its memory budget spills and computes a group of people at a time, with the same facts", .enabled(if: TestServer.isAvailable))
struct PersonGroupsTests {
    /// A budget of 400 activity rows: the test's batches spill, and their recomputes take many groups.
    static let small = MemoryBudget(rows: 400)

    /// A load into `fixture`'s warehouse with `budget`.
    static func load(_ fixture: LoadFixture, budget: MemoryBudget = .standard) throws -> NightlyLoad.Report {
        var load = try NightlyLoad(configuration: fixture.configuration, logger: quietLogger())
        load.memoryBudget = budget
        return try load.run()
    }

    @Test("20 years of sparse history with heavy viewers: the first load in groups equals the load at once")
    func history() async throws {
        try await withLoadFixture { fixture in
            try await HistoryLoadTests.plantHistory(try fixture.source())
            let (reference, privateReference) = try await fixture.uninterrupted { (try $0.analyticsChecksum(), try $0.privateContentChecksum()) }
            let report = try Self.load(fixture, budget: Self.small)
            #expect(report.peopleGroups > 20, "groups: \(report.peopleGroups)")
            #expect(report.summary.contains("groups of people"), "\(report.summary)")
            let checksum = try fixture.analyticsChecksum()
            #expect(checksum == reference, "differ: \(checksum.keys.filter { checksum[$0] != reference[$0] }.sorted())")
            #expect(try fixture.privateContentChecksum() == privateReference)
        }
    }

    @Test("nightly runs over stored private state, with late rows, ratings, an unknown title and an erasure: in groups, the same facts")
    func nightly() async throws {
        try await withLoadFixture { fixture in
            try await HistoryLoadTests.plantHistory(try fixture.source())
            try await withTwin(of: fixture) { twin in
                _ = try Self.load(fixture)
                _ = try Self.load(twin, budget: Self.small)
                for round in 1...2 {
                    try Self.addNight(round, to: try fixture.source())
                    let reference = try Self.load(fixture)
                    let grouped = try Self.load(twin, budget: Self.small)
                    #expect(reference.peopleGroups == 1 && grouped.peopleGroups > 1, "groups: \(reference.peopleGroups), \(grouped.peopleGroups)")
                    #expect(grouped.daysRecomputed == reference.daysRecomputed)
                    let a = try fixture.analyticsChecksum()
                    let b = try twin.analyticsChecksum()
                    #expect(a == b, "round \(round) differs: \(a.keys.filter { a[$0] != b[$0] }.sorted())")
                    #expect(try fixture.privateContentChecksum() == twin.privateContentChecksum(), "round \(round)")
                }
                // Rebuilding from private state in groups makes the facts of rebuilding at once.
                let today = try SourceWriter(connection: try fixture.source()).day(0)
                for (warehouse, budget) in [(fixture, MemoryBudget.standard), (twin, Self.small)] {
                    var rebuild = try NightlyLoad(configuration: warehouse.configuration, logger: quietLogger())
                    rebuild.memoryBudget = budget
                    let report = try rebuild.rebuild(today.advanced(by: -25)...today)
                    #expect(report.peopleGroups == (budget == .standard ? 1 : report.peopleGroups) && (budget == .standard || report.peopleGroups > 1))
                }
                #expect(try twin.analyticsChecksum() == fixture.analyticsChecksum())
            }
        }
    }

    /// One night of new rows for the 300 people of the planted history: plays of a steep long tail
    /// of titles over the last 20 days (late rows for all but today; in round 2 only the last two
    /// days), plays of a title not in the catalogue, ratings, short plays (skips), and one person
    /// erased. Round 1 also has 15 people on title 9 every day: in round 2 the days of the touched
    /// weeks and months that are not recomputed are not small days for it.
    static func addNight(_ round: Int, to source: PostgresConnection) throws {
        try source.execute(
            """
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + (g * 31 + \(round)) % 300), 12, '0'))::uuid,
                   case when g % 97 = 0 then 99999 else 1 + floor(60 * power(((g * 7919) % 10007) / 10007.0, 3))::int end,
                   now() - (g % \(round == 1 ? 20 : 2)) * interval '1 day' - interval '2 hours', 5 + (g * 13) % 900, g % 3 = 0,
                   (array['smart_tv', 'iphone', 'web', 'ps5'])[1 + g % 4], (array['GB', 'US', 'DE', 'BR', 'JP'])[1 + g % 5]
            from generate_series(1, 6000) g;
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(p), 12, '0'))::uuid, 7, now() - d * interval '1 day' - interval '3 hours', 20, false, 'web', 'GB'
            from generate_series(1, 30) p, generate_series(0, 10) d;
            insert into app.ratings (profile_id, title_id, thumb, rated_at)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + (g * 17) % 300), 12, '0'))::uuid, 1 + g % 40, case when g % 3 = 0 then -1 else 1 end,
                   now() - (g % 15) * interval '1 day' - interval '1 hour'
            from generate_series(1, 500) g;
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(200 + p), 12, '0'))::uuid, 9, now() - d * interval '1 day' - interval '4 hours', 1200, true, 'web', 'GB'
            from generate_series(1, \(round == 1 ? 15 : 0)) p, generate_series(0, 19) d;
            update app.accounts set deleted_at = now() where account_id = ('00000000-0000-4000-8000-' || lpad(to_hex(\(round * 11)), 12, '0'))::uuid;
            """)
    }

    /// A second warehouse, migrated and with its own loader login, loading from the same source.
    func withTwin(of fixture: LoadFixture, _ body: (LoadFixture) async throws -> Void) async throws {
        try await withTestDatabase { other in
            try migrate(other, .warehouse)
            try await withLoginRole(in: other, memberOf: ["tally_loader"]) { loader, password in
                let twin = LoadFixture(
                    operational: fixture.operational, warehouse: other, etlConninfo: fixture.etlConninfo,
                    loaderConninfo: try requireLocal(other).tcpConninfo(database: other.name, user: loader, password: password), keyFile: fixture.keyFile)
                try await body(twin)
            }
        }
    }
}
