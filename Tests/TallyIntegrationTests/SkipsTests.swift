import Foundation
import Tally
import Testing

@Suite("skips", .enabled(if: TestServer.isAvailable))
struct SkipsTests {
    /// Hand-worked skips on one day, with the default thresholds min(30 s, 10% of runtime):
    /// - Song A (runtime 200 s, threshold 20 s): 19 s skip, 20 s exactly at the threshold (no), 5 s skip, 200 s no: 2.
    /// - Song B (no runtime, threshold 30 s): 29 s skip, 30 s no, 31 s no: 1.
    /// - Movie C (runtime 5400 s, threshold 30 s): 10 s skip, 3000 s no: 1.
    static func plant(_ source: SourceWriter) throws -> Day {
        try source.title(10, "Song A", kind: "track", runtime: 200)
        try source.title(11, "Song B", kind: "track", runtime: nil)
        try source.title(12, "Movie C", kind: "movie", runtime: 5400)
        let listener = try source.person(1)
        let day = try source.day(-2)
        for seconds in [19, 20, 5, 200] { try source.play(listener, 10, on: day, seconds: seconds, device: "iphone") }
        for seconds in [29, 30, 31] { try source.play(listener, 11, on: day, seconds: seconds, device: "web_chrome") }
        for seconds in [10, 3000] { try source.play(listener, 12, on: day, seconds: seconds) }
        return day
    }

    static func skips(_ facts: PostgresConnection, day: Day) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try facts.query(
            """
            select t.name, f.skips from analytics.fact_title_daily f join analytics.dim_title t using (title_key)
            where f.date_key = etl.date_key($1::date)
            """, [day]
        ).rows {
            out[try row.decode(0)] = try row.decode(1)
        }
        return out
    }

    @Test("skips equal the hand-computed count for every title-day, segments and periods included")
    func handComputed() async throws {
        try await withLoadFixture { fixture in
            let day = try Self.plant(SourceWriter(connection: try fixture.source()))
            try fixture.load()
            let facts = try fixture.facts()
            #expect(try Self.skips(facts, day: day) == ["Song A": 2, "Song B": 1, "Movie C": 1])
            let segments = try facts.query(
                """
                select sum(skips)::int from analytics.fact_title_daily_segment f join analytics.dim_title t using (title_key)
                where t.name = 'Song A' and f.date_key = etl.date_key($1::date)
                """, [day]
            ).scalar(as: Int.self)
            #expect(segments == 2)
            let month = try facts.query(
                """
                select skips from analytics.fact_title_period f join analytics.dim_title t using (title_key)
                where t.name = 'Song B' and f.period_kind = 'month' and f.period_start = date_trunc('month', $1::date)::date
                """, [day]
            ).scalar(as: Int.self)
            #expect(month == 1)
        }
    }

    @Test("after the thresholds change, a rebuild of the range counts with the new ones")
    func thresholdChange() async throws {
        try await withLoadFixture { fixture in
            let day = try Self.plant(SourceWriter(connection: try fixture.source()))
            try fixture.load()
            let facts = try fixture.facts()
            try facts.execute("update etl.settings set skip_seconds = 10")
            #expect(try Self.skips(facts, day: day) == ["Song A": 2, "Song B": 1, "Movie C": 1], "nothing changes until days are recomputed")
            let rebuild = try await TallyBinary.run(["load", "--rebuild", day.description, day.description], environment: fixture.environment)
            #expect(rebuild.status == 0, "\(rebuild.stderr)")
            // Thresholds now min(10 s, 10%): Song A 10 s (only the 5 s play), Song B 10 s (none), Movie C 10 s (10 s is not below).
            #expect(try Self.skips(facts, day: day) == ["Song A": 1, "Song B": 0, "Movie C": 0])
            let week = try facts.query(
                """
                select skips from analytics.fact_title_period f join analytics.dim_title t using (title_key)
                where t.name = 'Song A' and f.period_kind = 'week' and f.period_start = date_trunc('week', $1::date)::date
                """, [day]
            ).scalar(as: Int.self)
            #expect(week == 1)
        }
    }
}
