import Foundation
import Tally
import Testing

/// The day rules that tally and the warehouse's SQL both apply must be one rule.
@Suite("day rules in Swift and SQL", .enabled(if: TestServer.isAvailable))
struct DayRuleTests {
    @Test("Day's date key, week and month equal etl.date_key and date_trunc on every day from 1900 to 2100")
    func sameRule() async throws {
        try await withLoadFixture { fixture in
            let facts = try fixture.facts()
            defer { facts.close() }
            let rows = try facts.query(
                """
                select d::date, etl.date_key(d::date), date_trunc('week', d)::date, date_trunc('month', d)::date
                from generate_series(date '1900-01-01', date '2100-12-31', interval '1 day') d
                """
            ).rows
            #expect(rows.count == 73_414)
            var mismatches: [String] = []
            for row in rows {
                let day = try row.decode(0, as: Day.self)
                let key = try row.decode(1, as: Int.self)
                let week = try row.decode(2, as: Day.self)
                let month = try row.decode(3, as: Day.self)
                if key != Int(day.dateKey) || week != day.weekStart || month != day.month.lowerBound {
                    mismatches.append(day.description)
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        }
    }
}
