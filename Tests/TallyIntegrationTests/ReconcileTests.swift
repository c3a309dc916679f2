import Foundation
import Tally
import Testing

@Suite("tally reconcile", .enabled(if: TestServer.isAvailable))
struct ReconcileTests {
    @Test("equal after loads with rejects, late rows and unknown titles (exit 0); a fact changed by hand is named by day and measure (exit 3)")
    func reconcile() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            let d = try NightlyLoadTests.plantReference(source)
            try source.play(try source.person(20), 1, on: d, seconds: -5)  // rejected: negative duration
            try source.play(try source.person(21), 99, on: d)  // a title not in the catalogue
            try fixture.load()
            // Late rows for a loaded day, and a row not yet loaded: reconcile compares loaded rows only.
            try source.play(try source.person(22), 2, on: d)
            try fixture.load()
            try source.play(try source.person(23), 1, on: d)

            var environment = fixture.environment
            environment["TALLY_PSEUDONYM_KEY_FILE"] = "/nonexistent/key"  // it needs none
            let equal = try await TallyBinary.run(["reconcile"], environment: environment)
            #expect(equal.status == 0, "\(equal.stdout)\(equal.stderr)")
            #expect(equal.stdout.contains("title-days, all equal"), "\(equal.stdout)")

            let facts = try fixture.facts()
            try facts.query(
                """
                update analytics.fact_title_daily f set plays = plays + 1
                from analytics.dim_title t where t.title_key = f.title_key and t.name = 'Holiday Rush' and f.date_key = etl.date_key($1)
                """, [d])
            let planted = try await TallyBinary.run(["reconcile", "--json"], environment: environment)
            #expect(planted.status == 3)
            let report = try JSONDecoder().decode(Reconciliation.self, from: Data(planted.stdout.utf8))
            // Day d: 8 plays of A Christmas Prince, 4 of Holiday Rush (one late), 1 of an unknown title.
            #expect(
                report.mismatches == [
                    .init(day: d, titleID: nil, measure: "plays", source: 13, warehouse: 14),
                    .init(day: d, titleID: 2, measure: "plays", source: 4, warehouse: 5),
                ], "\(report.mismatches)")
            #expect(planted.stderr.contains("measures differ on 1 days"), "\(planted.stderr)")

            let text = try await TallyBinary.run(["reconcile", "--from", d.description, "--to", d.description], environment: environment)
            #expect(text.status == 3)
            #expect(text.stdout.contains("\(d)  2      plays    4       5"), "\(text.stdout)")
            let other = try await TallyBinary.run(["reconcile", "--to", d.advanced(by: -1).description], environment: environment)
            #expect(other.status == 0, "days before the changed one are equal: \(other.stdout)")
        }
    }
}
