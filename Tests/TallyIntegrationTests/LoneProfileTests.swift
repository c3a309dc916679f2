import Foundation
import Tally
import Testing

/// A profile alone in its country, region, device type and class, plan and age band, among a crowd
/// that watches the same title on the same days, loaded by the real load and read by a real analyst
/// login: no report view may show a value that describes it, nor the title only it watched.
@Suite("a lone profile in the report", .enabled(if: TestServer.isAvailable))
struct LoneProfileTests {
    @Test("a profile alone in its country, device, plan and age band, and its solo title, are visible in no report view")
    func loneProfileIsInNoView() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "Crowd Pleaser")
            try source.title(2, "Solo Film")
            try source.title(3, "Unwatched")
            var crowd: [String] = []
            for n in 1...15 { crowd.append(try source.person(n)) }
            let loneAccount = try source.account(99, country: "JP", plan: "premium", birth: "1940-02-02")
            let lone = try source.profile(99, account: loneAccount)
            for offset in 0..<20 {
                let day = try source.day(-2 - offset)
                for person in crowd { try source.play(person, 1, on: day) }
                try source.play(lone, 1, on: day, device: "ps5", country: "JP")
                try source.play(lone, 2, on: day, device: "ps5", country: "JP")
            }
            try source.rate(lone, 1, -1, on: try source.day(-2))
            try fixture.load()

            try await withLoginRole(in: fixture.warehouse, memberOf: ["tally_analyst"]) { analyst, password in
                let connection = try PostgresConnection.connect(
                    try requireLocal(fixture.warehouse).tcpConninfo(database: fixture.warehouse.name, user: analyst, password: password),
                    logger: quietLogger())
                defer { connection.close() }
                let views = try connection.query(
                    "select table_name from information_schema.views where table_schema = 'report' order by table_name"
                ).rows.map { try $0.decode(0, as: String.self) }
                #expect(views.count >= 9, "\(views)")
                var shown: [String: String] = [:]
                for view in views {
                    shown[view] = try connection.query("select coalesce(json_agg(v)::text, '') from report.\(view) v").scalar(as: String.self)
                }
                // The crowd's title is reported: the lone profile is in its counts, folded away.
                #expect(shown["title_daily"]?.contains("Crowd Pleaser") == true)
                #expect(shown["title_segments"]?.contains("\"all_other\":true") == true, "the lone cell is folded into all_other")
                for (view, text) in shown {
                    for value in ["JP", "Asia Pacific", "ps5", "console", "premium", "65_plus", "Solo Film"] where !(view == "titles" && value == "Solo Film") {
                        #expect(!text.contains(value), "report.\(view) shows \(value), which describes the lone profile")
                    }
                }
                // report.titles is the catalogue: the solo title is listed as a title nobody watched is.
                let titles = try connection.query("select name, first_day is null from report.titles order by name").rows.map {
                    "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: Bool.self))"
                }
                #expect(titles == ["Crowd Pleaser false", "Solo Film true", "Unwatched true"])
                // One person rated: no thumbs are shown.
                #expect(shown["title_ratings"] == "")
            }
        }
    }
}
