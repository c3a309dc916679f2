import Foundation
import Tally
import Testing

@Suite("a first load takes the whole history", .enabled(if: TestServer.isAvailable))
struct HistoryLoadTests {
    /// Twenty years of sparse events as real services have them: 300 profiles, a catalogue of 2,000
    /// titles whose popularity falls off steeply (most are almost never watched), 20,000 plays spread
    /// over 20 years, three heavy viewers who play 2,000 titles each in one quarter, and five people
    /// who watch title 7 on the first three days of the history.
    ///
    /// The events count back from now, and the load keeps private state from `retention_days` before
    /// its own day: two loads on either side of midnight (UTC, the settings' business time zone)
    /// keep different days, and a check after midnight sees a later cutoff. So a test that plants
    /// this history first waits out the last `minutes` before midnight: it then runs on one day.
    static func plantHistory(_ connection: PostgresConnection, minutes: Int = 30) async throws {
        let secondsToday = Int(Date().timeIntervalSince1970) % 86_400
        let left = 86_400 - secondsToday
        if left < minutes * 60 {
            try await Task.sleep(for: .seconds(left + 30))
        }
        try connection.execute(
            """
            \(LoadCrashTests.catalogueSQL(titles: 2000, people: 300, age: "21 years"))
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + (g * 7919) % 300), 12, '0'))::uuid,
                   1 + floor(2000 * power(((g * 7919) % 10007) / 10007.0, 4))::int,
                   now() - ((g * 104729) % 7300) * interval '1 day' - interval '1 hour', 60 + g % 3000, g % 4 = 0,
                   (array['smart_tv', 'iphone', 'web', 'ps5'])[1 + g % 4], (array['GB', 'US', 'DE', 'BR', 'JP'])[1 + g % 5]
            from generate_series(1, 20000) g;
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(h), 12, '0'))::uuid, t,
                   now() - interval '10 years' - (t % 90) * interval '1 day', 600, false, 'web', 'GB'
            from generate_series(1, 3) h, generate_series(1, 2000) t;
            insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(p), 12, '0'))::uuid, 7, now() - d * interval '1 day' - interval '1 hour', 600, true, 'web', 'GB'
            from generate_series(1, 5) p, generate_series(7303, 7305) d;
            insert into app.ratings (profile_id, title_id, thumb, rated_at)
            select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + g % 300), 12, '0'))::uuid, 1 + g % 50, case when g % 3 = 0 then -1 else 1 end,
                   now() - ((g * 7) % 7300) * interval '1 day'
            from generate_series(1, 2000) g;
            """)
    }

    @Test("20 years with default settings: nothing rejected for age, facts equal the source, no private state before the cutoff")
    func twentyYears() async throws {
        try await withLoadFixture { fixture in
            try await Self.plantHistory(try fixture.source())
            let load = try await TallyBinary.run(["load"], environment: fixture.environment)
            #expect(load.status == 0, "\(load.stderr)")
            #expect(load.stdout.contains("28015 source rows, 28015 loaded, 0 rejected"), "\(load.stdout)")

            let reconcile = try await TallyBinary.run(["reconcile"], environment: fixture.environment)
            #expect(reconcile.status == 0, "\(reconcile.stdout)\(reconcile.stderr)")
            #expect(reconcile.stdout.contains("all equal"))

            let facts = try fixture.facts()
            let cutoff = try facts.query("select current_date - retention_days from etl.settings").scalar(as: Day.self)
            #expect(try facts.query("select count(*)::int from private.activity where day < $1", [cutoff]).scalar(as: Int.self) == 0)
            #expect(try facts.query("select count(*)::int from private.people where last_day < $1", [cutoff]).scalar(as: Int.self) == 0)
            #expect(try facts.query("select count(*)::int from private.activity").scalar(as: Int.self) > 0)

            // The most popular title's weeks and months are distinct people over each whole period, far
            // back in history.
            let audiences = try facts.query(
                """
                select f.period_kind || ' ' || f.period_start || ' ' || f.viewers from analytics.fact_title_period f
                join analytics.dim_title t using (title_key) where t.title_id = 1 and f.viewers > 0 order by 1
                """
            ).rows.map { try $0.decode(0, as: String.self) }
            let direct = try fixture.source().query(
                """
                select kind || ' ' || start || ' ' || count(distinct profile_id) from (
                    select 'month' kind, date_trunc('month', started_at at time zone 'UTC')::date start, profile_id from app.playback_events where title_id = 1
                    union all
                    select 'week', date_trunc('week', started_at at time zone 'UTC')::date, profile_id from app.playback_events where title_id = 1
                ) p group by kind, start order by 1
                """
            ).rows.map { try $0.decode(0, as: String.self) }
            #expect(audiences.count > 400)
            let onlyWarehouse = Set(audiences).subtracting(direct).sorted().prefix(3)
            let onlySource = Set(direct).subtracting(audiences).sorted().prefix(3)
            #expect(onlyWarehouse.isEmpty && onlySource.isEmpty, "warehouse only: \(onlyWarehouse); source only: \(onlySource)")
            let streak = try facts.query(
                """
                select s.viewers from analytics.fact_title_streak s join analytics.dim_title t using (title_key) join analytics.dim_date d on d.date_key = s.as_of_date_key
                where t.title_id = 7 and s.streak_days = 3 and d.full_date = (select min(full_date) + 2 from analytics.dim_date d join analytics.fact_title_daily using (date_key))
                """
            ).rows.map { try $0.decode(0, as: Int.self) }
            #expect(streak == [5], "the streak of the history's first three days")
            let oldest = try facts.query("select min(period_start) from analytics.fact_title_period").scalar(as: Day.self)
            #expect(oldest < Day(year: 2008, month: 1, day: 1))
        }
    }

    @Test("tally seed --history: years of sparse events, archive titles and heavy viewers load with nothing rejected for age, and reconcile")
    func seededHistory() async throws {
        try await withLoadFixture { fixture in
            let seed = try await TallyBinary.run(["seed", "--history", "5"], environment: ["TALLY_OPERATIONAL_URL": fixture.operational.conninfo])
            #expect(seed.status == 0, "\(seed.stderr)")
            #expect(seed.stdout.contains("5545 titles"), "\(seed.stdout)")
            let load = try await TallyBinary.run(["load"], environment: fixture.environment)
            #expect(load.status == 0, "\(load.stderr)")
            let facts = try fixture.facts()
            let forAge = try facts.query("select count(*)::int from etl.rejects where reason in ('beyond_retention', 'before_service_start')").scalar(
                as: Int.self)
            #expect(forAge == 0)
            let days = try facts.query("select count(distinct date_key)::int from analytics.fact_title_daily").scalar(as: Int.self)
            #expect(days >= 5 * 365)
            let heavy = try fixture.source().query(
                "select max(n)::int from (select count(distinct title_id) n from app.playback_events group by profile_id) p"
            ).scalar(as: Int.self)
            #expect(heavy > 1_000, "a heavy viewer watched \(heavy) titles")
            let below = try facts.query("select count(*)::int from analytics.fact_coviewing where shared_viewers < etl.coviewing_floor()").scalar(as: Int.self)
            #expect(below == 0)
            let reconcile = try await TallyBinary.run(["reconcile"], environment: fixture.environment)
            #expect(reconcile.status == 0, "\(reconcile.stdout)\(reconcile.stderr)")
        }
    }

    @Test("read in spans of a few months, the history gives the same warehouse as read at once")
    func spans() async throws {
        try await withLoadFixture { fixture in
            try await Self.plantHistory(try fixture.source())
            let (reference, privateReference) = try await fixture.uninterrupted { (try $0.analyticsChecksum(), try $0.privateContentChecksum()) }
            var load = try NightlyLoad(configuration: fixture.configuration, logger: quietLogger())
            load.historySpanRows = 1_000
            let stages = Stages()
            load.progress = { stages.append($0) }
            let report = try load.run()
            #expect(report.rowsLoaded == 28015 && report.rowsRejected == 0)
            let spans = stages.lines.filter { $0.hasPrefix("history: ") }
            #expect(spans.count > 20, "\(spans.prefix(3))")
            #expect(spans.last?.hasSuffix(" s left") == true, "\(spans.last ?? "")")
            let checksum = try fixture.analyticsChecksum()
            #expect(checksum == reference, "differ: \(checksum.keys.filter { checksum[$0] != reference[$0] }.sorted())")
            #expect(try fixture.privateContentChecksum() == privateReference, "the same private state, whatever keys the people got")
        }
    }

    /// Progress lines, collected from the load's progress closure.
    final class Stages: @unchecked Sendable {
        private let lock = NSLock()
        private var collected: [String] = []
        func append(_ line: String) { lock.withLock { collected.append(line) } }
        var lines: [String] { lock.withLock { collected } }
    }

    @Test("killed at three points of a first load and re-run, the warehouse equals an uninterrupted one")
    func killNine() async throws {
        try await withLoadFixture { fixture in
            try await Self.plantHistory(try fixture.source())
            let reference = try await fixture.uninterruptedChecksum(withPrivateState: true)
            let points: [(database: TestDatabase, table: String)] = [
                (fixture.operational, "app.playback_events"), (fixture.warehouse, "private.people"),
                (fixture.warehouse, "analytics.fact_title_streak"),
            ]
            try await LoadCrashTests.killLoads(of: fixture, at: points)
            let final = try await TallyBinary.run(["load"], environment: fixture.environment)
            #expect(final.status == 0, "\(final.stderr)")
            #expect(try fixture.analyticsChecksum().merging(fixture.privateChecksum()) { $1 } == reference)
        }
    }

    /// The first day an unfinished history load has not read, from its progress row; nil when none.
    static func nextDay(_ fixture: LoadFixture) throws -> Day? {
        try fixture.facts().query("select next_day from etl.history_progress").rows.first?.decode(0)
    }

    /// Runs `tally arguments` and kills it (-9) once it has committed a span beyond `after`;
    /// returns the progress it had made.
    static func killAfterSpan(_ arguments: [String], of fixture: LoadFixture, after: Day?) async throws -> Day? {
        let status = try await TallyBinary.run(arguments, environment: fixture.environment, signal: .kill) {
            guard let next = try nextDay(fixture) else { return false }
            return after.map { next > $0 } ?? true
        }
        #expect(status == 137, "killed after a span beyond \(after.map(String.init(describing:)) ?? "none")")
        try await TallyBinary.waitUntilGone(application: "tally load", in: [fixture.warehouse, fixture.operational])
        return try nextDay(fixture)
    }

    @Test("a first load killed after committed spans resumes where it stopped, in its own snapshot, and equals an uninterrupted one")
    func resumesAfterKill() async throws {
        try await withLoadFixture { fixture in
            try await Self.plantHistory(try fixture.source())
            let (reference, privateReference) = try await fixture.uninterrupted { (try $0.analyticsChecksum(), try $0.privateContentChecksum()) }
            let arguments = ["load", "--history-span-rows", "1000"]
            var reached: Day?
            for kill in 1...3 {
                let next = try await Self.killAfterSpan(arguments, of: fixture, after: reached)
                #expect(next != nil && next! > reached ?? Day(daysSince1970: .min), "kill \(kill) came after a span more")
                reached = next
                #expect(try fixture.facts().query("select count(*)::int from etl.watermark").scalar(as: Int.self) == 0, "no watermark before the end")
                if kill == 2 {
                    // Written after the load's snapshot: neither the resumed run nor its history may take them.
                    try fixture.source().execute(
                        """
                        insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
                        values ('11111111-0000-4000-8000-000000000001', 7, now() - interval '15 years', 60, false, 'web', 'GB'),
                               ('11111111-0000-4000-8000-000000000001', 7, now() - interval '1 hour', 60, false, 'web', 'GB')
                        """)
                }
            }
            let resumed = try await TallyBinary.run(arguments, environment: fixture.environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let checksum = try fixture.analyticsChecksum()
            #expect(checksum == reference, "differ: \(checksum.keys.filter { checksum[$0] != reference[$0] }.sorted())")
            #expect(try fixture.privateContentChecksum() == privateReference)
            let runs = try fixture.facts().query("select status, rows_extracted::int from etl.runs order by run_id").rows.map {
                (try $0.decode(0, as: String.self), try $0.decode(1, as: Int.self))
            }
            #expect(runs.map(\.0) == ["interrupted", "interrupted", "interrupted", "succeeded"], "\(runs)")
            #expect(runs.last!.1 > 0 && runs.last!.1 < 28015, "the last run read only what was left: \(runs)")
            #expect(try Self.nextDay(fixture) == nil)

            // The rows written after the snapshot come with the next load: the old one as too late.
            let next = try NightlyLoad(configuration: fixture.configuration, logger: quietLogger()).run()
            #expect(next.rowsExtracted == 2 && next.rowsLoaded == 1 && next.rejectsByReason == [.beyondRetention: 1], "\(next)")
        }
    }

    @Test("history that arrives after the first load is backfilled: the same warehouse as a first load of it all, its rejects gone")
    func backfill() async throws {
        try await withLoadFixture { fixture in
            let source = try fixture.source()
            try source.execute(
                """
                \(LoadCrashTests.catalogueSQL(titles: 300, people: 200, age: "5 years"))
                insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
                select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + g % 200), 12, '0'))::uuid, 1 + g % 40,
                       now() - (g % 30) * interval '1 day' - interval '1 hour', 300, g % 3 = 0, 'web', 'GB'
                from generate_series(1, 3000) g;
                """)
            #expect(try NightlyLoad(configuration: fixture.configuration, logger: quietLogger()).run().rowsRejected == 0)
            // A merged system's archive: two years ago, for a quarter, with the same people.
            try source.execute(
                """
                insert into app.playback_events (profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code)
                select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + (g * 7) % 200), 12, '0'))::uuid, 1 + floor(300 * power(g % 997 / 997.0, 3))::int,
                       date_trunc('day', now()) - interval '2 years' + (g % 90) * interval '1 day' + interval '10 hours', 600, g % 2 = 0,
                       (array['smart_tv', 'iphone'])[1 + g % 2], 'DE'
                from generate_series(1, 4000) g;
                insert into app.ratings (profile_id, title_id, thumb, rated_at)
                select ('11111111-0000-4000-8000-' || lpad(to_hex(1 + g % 200), 12, '0'))::uuid, 1 + g % 20, 1,
                       date_trunc('day', now()) - interval '2 years' + (g % 90) * interval '1 day' + interval '11 hours'
                from generate_series(1, 300) g;
                """)
            let late = try NightlyLoad(configuration: fixture.configuration, logger: quietLogger()).run()
            #expect(late.rejectsByReason == [.beyondRetention: 4300], "the nightly load cannot take them: \(late.rejectsByReason)")
            let (reference, privateReference) = try await fixture.uninterrupted { (try $0.analyticsChecksum(), try $0.privateContentChecksum()) }
            let first = try source.query("select (date_trunc('day', now()) - interval '2 years')::date").scalar(as: Day.self)
            let range = [first.description, first.advanced(by: 89).description]

            // Killed after its first span, the backfill is finished by the next plain load; until
            // then, another range is refused.
            let spans = ["--history-span-rows", "500"]
            _ = try await Self.killAfterSpan(["load", "--backfill"] + range + spans, of: fixture, after: nil)
            let other = try await TallyBinary.run(["load", "--backfill", "2020-01-01", "2020-01-31"], environment: fixture.environment)
            #expect(other.status == 2 && other.stderr.contains("Run tally load without --backfill to finish it first"), "\(other.stderr)")
            let resumed = try await TallyBinary.run(["load"] + spans, environment: fixture.environment)
            #expect(resumed.status == 0, "\(resumed.stderr)")

            let checksum = try fixture.analyticsChecksum()
            #expect(checksum == reference, "differ: \(checksum.keys.filter { checksum[$0] != reference[$0] }.sorted())")
            #expect(try fixture.privateContentChecksum() == privateReference, "private state only for the retention window")
            let rejects = try fixture.facts().query("select count(*)::int from etl.rejects").scalar(as: Int.self)
            #expect(rejects == 0, "the rows once too late now make facts")
            let reconcile = try await TallyBinary.run(["reconcile"], environment: fixture.environment)
            #expect(reconcile.status == 0, "\(reconcile.stdout)\(reconcile.stderr)")

            let today = try source.query("select current_date").scalar(as: Day.self).description
            let recent = try await TallyBinary.run(["load", "--backfill", today, today], environment: fixture.environment)
            #expect(recent.status == 2 && recent.stderr.contains("within the retention window"), "\(recent.stderr)")
        }
    }
}
