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

            try await asAnalyst(fixture) { connection in
                let shown = try everyView(connection)
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

    @Test(
        "the period's whole audience, which a lift would give away with the hidden titles, is in no report view: co-viewing shows its counts and jaccard, nothing more"
    )
    func wholeAudienceIsInNoView() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            for id in 1...3 { try source.title(id, "Film \(id)") }
            var people: [String] = []
            for n in 1...32 { people.append(try source.person(n)) }
            let day = try source.weekdaysInOneMonth(1)[0]
            // 30 people watched films 1 and 2, and 2 others film 3 only (hidden, below k).
            for person in people[0..<30] {
                try source.play(person, 1, on: day)
                try source.play(person, 2, on: day)
            }
            for person in people[30..<32] { try source.play(person, 3, on: day) }
            try fixture.load()

            // The control: the lift that the pair would show, shared x N / (viewers_a x viewers_b)
            // rounded to 0.01 (1.07), puts N, the week's whole audience, back at one value, 32, and
            // 32 - 30 is film 3's 2 people. (The warehouse no longer stores N: it is counted here from
            // the source.)
            let interval = try fixture.source().query(
                """
                select ceil((round(30 * a.viewers / 900.0, 2) - 0.005) * 900 / 30)::int, floor((round(30 * a.viewers / 900.0, 2) + 0.005) * 900 / 30)::int
                from (select count(distinct profile_id) as viewers from app.playback_events
                      where date_trunc('week', started_at at time zone 'UTC') = date_trunc('week', $1::date)) a
                """, [day]
            ).rows[0]
            #expect(try interval.decode(0, as: Int.self) == 32 && interval.decode(1, as: Int.self) == 32, "a lift would pin the whole audience")

            try await asAnalyst(fixture) { connection in
                // Every column of the week's pairs: the counts, and jaccard from them, nothing more.
                let pairs = try connection.query(
                    "select (to_jsonb(c) - 'period_start' - 'title_a' - 'title_b')::text from report.coviewing c where period = 'week' order by title_a_id"
                ).rows.map { try $0.decode(0, as: String.self) }
                #expect(
                    pairs
                        == [1, 2].map {
                            #"{"period": "week", "jaccard": 1.000, "viewers_a": 30, "viewers_b": 30, "title_a_id": \#($0), "title_b_id": \#(3 - $0), "shared_viewers": 30}"#
                        })
                // No view holds the whole audience (32), in any column, nor film 3 but the catalogue.
                for (view, text) in try everyView(connection) {
                    #expect(text.range(of: #":32[,}]"#, options: .regularExpression) == nil, "report.\(view) shows the period's whole audience")
                    #expect(view == "titles" || !text.contains("Film 3\""), "report.\(view) shows the hidden film")
                }
            }
        }
    }

    /// Runs `body` with a connection of a login in tally_analyst over TCP with a password.
    private func asAnalyst(_ fixture: LoadFixture, _ body: (PostgresConnection) throws -> Void) async throws {
        try await withLoginRole(in: fixture.warehouse, memberOf: ["tally_analyst"]) { analyst, password in
            let connection = try PostgresConnection.connect(
                try requireLocal(fixture.warehouse).tcpConninfo(database: fixture.warehouse.name, user: analyst, password: password),
                logger: quietLogger())
            defer { connection.close() }
            try body(connection)
        }
    }

    /// Every report view's rows as JSON text, by view name ("" for an empty view).
    private func everyView(_ connection: PostgresConnection) throws -> [String: String] {
        let views = try connection.query(
            "select table_name from information_schema.views where table_schema = 'report' order by table_name"
        ).rows.map { try $0.decode(0, as: String.self) }
        #expect(views.count >= 9, "\(views)")
        var shown: [String: String] = [:]
        for view in views {
            shown[view] = try connection.query("select coalesce(json_agg(v)::text, '') from report.\(view) v").scalar(as: String.self)
        }
        return shown
    }
}
