import Crypto
import Foundation

/// What `tally demo` shows, every number read from the warehouse (analyst-visible numbers through
/// the report views, as the demo's analyst login).
public struct DemoReport: Sendable, Codable {
    public struct TitleRow: Sendable, Codable {
        public var title: String
        public var viewers: Int?
        public var plays: Int?
        public var watchHours: Double?
    }

    public struct SkippedTrack: Sendable, Codable {
        public var title: String
        public var weekStart: String
        public var plays: Int
        public var skips: Int
    }

    public struct Pair: Sendable, Codable {
        public var titleA: String
        public var titleB: String
        public var sharedViewers: Int
    }

    public var asOf: String
    public var topTitles: [TitleRow]
    public var streakTitle: String
    public var streakDays: Int
    /// Nil when suppressed (fewer than k people).
    public var streakViewers: Int?
    public var pairs: [Pair]
    /// The most-skipped track of the latest week, when its week is not suppressed.
    public var mostSkippedTrack: SkippedTrack?
    public var runs: Int
    public var rowsExtracted: Int
    public var rowsLoaded: Int
    public var rowsRejected: Int
    public var lateDaysRecomputed: Int
    public var rejectsByReason: [String: Int]
    public var canaryValuesChecked: Int
    public var canaryHits: Int
    public var analystPsql: String
    public var dbaPsql: String
    public var k: Int

    static func build(
        analyst: PostgresConnection, warehouse: PostgresConnection, dump: String, canary: Workload.Canary,
        bingeDays: Int, logins: Demo.Logins
    ) throws -> DemoReport {
        let asOf = try analyst.query("select max(day) from report.title_daily").scalar(as: Day?.self)
        guard let asOf else {
            throw LoadError(code: .schema, message: "the demo warehouse has no facts yet; run tally demo --reset")
        }
        let top = try analyst.query(
            """
            select title, viewers, plays, watch_hours::float8 from report.title_daily
            where day = $1 order by viewers desc, title limit 8
            """, [asOf]
        ).rows.map {
            TitleRow(title: try $0.decode(0), viewers: try $0.decode(1), plays: try $0.decode(2), watchHours: try $0.decode(3))
        }
        let streak =
            try analyst.query(
                """
                select viewers from report.title_streaks where title = $1 and as_of = $2 and streak_days = $3
                """, [Workload.christmasPrince, asOf, bingeDays]
            ).rows.first.map { try $0.decode(0, as: Int?.self) } ?? nil
        let pairs = try analyst.query(
            """
            select title_a, title_b, shared_viewers from report.coviewing
            where period = 'month' and period_start = date_trunc('month', $1::date)::date and shared_viewers is not null and title_a < title_b
            order by shared_viewers desc, title_a, title_b limit 5
            """, [asOf]
        ).rows.map { Pair(titleA: try $0.decode(0), titleB: try $0.decode(1), sharedViewers: try $0.decode(2)) }
        let k = try analyst.query("select k from report.settings").scalar(as: Int.self)
        let skipped = try analyst.query(
            """
            select title, week_start::text, plays, skips from report.title_weekly
            where kind = 'track' and skips is not null
              and week_start = (select max(week_start) from report.title_weekly where kind = 'track' and skips is not null)
            order by skips desc, title limit 1
            """
        ).rows.first.map {
            SkippedTrack(title: try $0.decode(0), weekStart: try $0.decode(1), plays: try $0.decode(2), skips: try $0.decode(3))
        }
        let ledger = try warehouse.query(
            """
            select count(*)::int, coalesce(sum(rows_extracted), 0)::int, coalesce(sum(rows_loaded), 0)::int,
                   coalesce(sum(rows_rejected), 0)::int, coalesce(sum(greatest(days_recomputed - 1, 0)), 0)::int
            from etl.runs where status = 'succeeded'
            """)[0]
        var reasons: [String: Int] = [:]
        for row in try warehouse.query("select reason, count(*)::int from etl.rejects group by reason").rows {
            reasons[try row.decode(0)] = try row.decode(1)
        }
        let scan = CanaryScan(values: canary.values)
        let hits = scan.hits(in: dump)
        let server = logins.server
        return DemoReport(
            asOf: asOf.description, topTitles: top, streakTitle: Workload.christmasPrince, streakDays: bingeDays,
            streakViewers: streak, pairs: pairs, mostSkippedTrack: skipped, runs: try ledger.decode(0), rowsExtracted: try ledger.decode(1),
            rowsLoaded: try ledger.decode(2), rowsRejected: try ledger.decode(3), lateDaysRecomputed: try ledger.decode(4),
            rejectsByReason: reasons, canaryValuesChecked: scan.forms.count, canaryHits: hits,
            analystPsql: "psql \"\(logins.conninfo("tally_warehouse", as: Demo.analystLogin))\"",
            dbaPsql: "psql \"host=\(server.socketDirectory) port=\(server.port) user=\(server.superuser) dbname=tally_warehouse\"",
            k: k)
    }

    /// The terminal rendering: aligned tables, a bar chart and one highlighted line.
    public func render(highlight: Bool) -> String {
        var out: [String] = []
        let bold = highlight ? "\u{1B}[1;33m" : ""
        let reset = highlight ? "\u{1B}[0m" : ""
        out.append("Tally demo: aggregates from the warehouse as of \(asOf) (analyst view, counts under k=\(k) suppressed)")
        out.append("")
        out.append("Top titles on \(asOf)")
        let widest = max(topTitles.map(\.title.count).max() ?? 5, 5)
        let most = max(topTitles.compactMap(\.viewers).max() ?? 1, 1)
        out.append("  " + "TITLE".padding(toLength: widest, withPad: " ", startingAt: 0) + "  VIEWERS  PLAYS  HOURS")
        for row in topTitles {
            let viewers = row.viewers.map(String.init) ?? "-"
            let bar = String(repeating: "█", count: max(1, (row.viewers ?? 0) * 30 / most))
            out.append(
                "  " + row.title.padding(toLength: widest, withPad: " ", startingAt: 0)
                    + "  " + Self.right(viewers, 7) + "  " + Self.right(row.plays.map(String.init) ?? "-", 5)
                    + "  " + Self.right(row.watchHours.map { String(format: "%.1f", $0) } ?? "-", 5) + "  " + bar)
        }
        out.append("")
        let streakText =
            streakViewers.map { "\($0) people watched \(streakTitle) every day for the past \(streakDays) days." }
            ?? "The number of people who watched \(streakTitle) every day for the past \(streakDays) days is not published: fewer than \(k), or it would reveal a smaller group."
        out.append("\(bold)\(streakText)\(reset)")
        out.append("  (from report.title_streaks: a count of people; the warehouse holds no row about any of them)")
        out.append("")
        out.append("Watched together this month")
        if pairs.isEmpty { out.append("  no pair has \(k) or more shared viewers yet") }
        let pairWidth = max(pairs.map { $0.titleA.count + $0.titleB.count + 3 }.max() ?? 0, 10)
        for pair in pairs {
            out.append(
                "  " + "\(pair.titleA) + \(pair.titleB)".padding(toLength: pairWidth, withPad: " ", startingAt: 0)
                    + "  " + Self.right(String(pair.sharedViewers), 6) + " shared viewers")
        }
        out.append("")
        if let track = mostSkippedTrack {
            let rate = track.plays == 0 ? 0 : Double(track.skips) * 100 / Double(track.plays)
            out.append(
                "Most skipped track, week of \(track.weekStart): \(track.title): \(track.skips) of \(track.plays) plays skipped (\(String(format: "%.0f", rate))%)"
            )
            out.append("")
        }
        out.append("Nightly loads (etl.runs)")
        out.append("  runs \(runs), source rows \(rowsExtracted), loaded \(rowsLoaded), rejected \(rowsRejected), late days recomputed \(lateDaysRecomputed)")
        if !rejectsByReason.isEmpty {
            out.append("  rejects: " + rejectsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        out.append("")
        out.append(
            "PII check: \(canaryHits) of \(canaryValuesChecked) canary values (email, name, birth date, IP, and their MD5/SHA-256) found in a full pg_dump of the warehouse."
        )
        out.append("")
        out.append("Explore:")
        out.append("  as the analyst (report views):  \(analystPsql)")
        out.append("  as the DBA (everything):        \(dbaPsql)")
        out.append("  the seed's question as SQL:     \(analystPsql) -v title='\(streakTitle)' -v days=\(streakDays) -f sql/examples/streak_viewers.sql")
        out.append("  more example queries:           sql/examples/ (see docs/analysts.md)")
        out.append("  stop the server:                swift run tally dev stop")
        out.append("  start again from nothing:       swift run tally demo --reset")
        return out.joined(separator: "\n")
    }

    static func right(_ s: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - s.count)) + s
    }
}
