import Foundation
import Tally

/// The attacker of docs/analysts.md (I3b), who takes all the counts that the report views publish
/// about a title's week together, as tau-ARGUS audits linked tables: a linear program over the
/// number of people with each pattern of days watched in the week (Monday and Wednesday only, say:
/// 127 patterns for a week of 7 loaded days). What the attacker knows:
/// - a shown day's viewers, a shown streak that lies inside the week and a shown week's viewers, exactly;
/// - a shown streak that runs over the week's edge, as a lower bound on the people who watched
///   every day of the week that it holds;
/// - a day without a row, at most k - 1 people (title_daily hides nothing else), and a day before
///   the title's first play, none (its premiere may be public);
/// - with `knowsEmptyDays`, which days held nobody (a title out of the catalogue, say): those hold
///   none, and each other day without a row 1 to k - 1.
///
/// For each hidden count that the warehouse stores (a day, a streak inside the week or the week
/// itself), the least and the most the program allows are the attacker's range; and a pattern, the
/// people on every day of a set whatever else, or the people on at least m or exactly m days, whose
/// people it pins between 1 and k - 1, to fewer than p values, is a small group singled out. People
/// come whole (`LinearProgram`). Months, the week's neighbours and the title's groups are not
/// modelled here: `MonthAudit.auditByDays` takes a week inside a month with the month's other
/// counts, and `GroupAudit.audit(_:days:)` a hidden week with its series' or genre's counts.
enum WeekAudit {
    /// The report views' weeks, for `audit(_:shownWeeks:)`.
    static let reportWeeks = "select week_start, coalesce(title_id, -1), 0, viewers from report.title_weekly"
    /// Every stored week of k or more viewers, as if no rule hid a week: the control.
    static let everyWeekOfK = """
        select p.period_start, coalesce(t.title_id, -1), 0, p.viewers
        from analytics.fact_title_period p join analytics.dim_title t using (title_key) cross join report.settings s
        where p.period_kind = 'week' and p.viewers >= s.k
        """

    /// A title's count as of a day: streak_days 1 is the day's viewers, 0 the week's (by Monday).
    struct Count: Hashable {
        var title: Int
        var day: Day
        var streakDays: Int
        var firstDay: Day { streakDays == 0 ? day : day.advanced(by: Int32(1 - streakDays)) }
    }

    /// Audits every title-week of the warehouse (as a superuser, who reads the report views as the
    /// analyst does and the stored facts besides), with `shownWeeks` as the weeks published.
    static func audit(_ connection: PostgresConnection, shownWeeks: String = reportWeeks, knowsEmptyDays: Bool = false) throws -> AuditFindings {
        let weeks = try Weeks(connection, shownWeeks: shownWeeks, knowsEmptyDays: knowsEmptyDays)
        var findings = AuditFindings()
        for (title, titleWeeks) in weeks.hidden {
            for week in titleWeeks.keys {
                findings.solve("title \(title), week of \(week)", weeks.program(title: title, week: week), k: weeks.k, p: weeks.p)
            }
        }
        return findings
    }

    /// What the week programs read (as a superuser): the counts that the report views publish and
    /// those that the warehouse stores, the loaded days, each title's first play, and each stored
    /// title-week with its hidden counts.
    struct Weeks {
        let k: Int
        let p: Int
        let knowsEmptyDays: Bool
        private let shown: [Count: Int]
        private let shownStreaks: [Int: [(key: Count, value: Int)]]
        private let stored: [Count: Int]
        private let range: ClosedRange<Day>
        private let firstDays: [Int: Day]
        /// Each title-week with a stored count, by title and Monday, and the stored counts hidden in
        /// it (a day, a streak inside the week, or the week itself).
        private(set) var hidden: [Int: [Day: [Count]]] = [:]

        init(_ connection: PostgresConnection, shownWeeks: String = reportWeeks, knowsEmptyDays: Bool = false) throws {
            (k, p) = try reportSettings(connection)
            self.knowsEmptyDays = knowsEmptyDays
            func counts(_ sql: String) throws -> [Count: Int] {
                try connection.query(sql).rows.reduce(into: [:]) { counts, row in
                    counts[Count(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Day.self), streakDays: try row.decode(2, as: Int.self))] =
                        try row.decode(3, as: Int.self)
                }
            }
            shown = try counts(
                """
                select day, coalesce(title_id, -1), 1, viewers from report.title_daily
                union all
                select as_of, coalesce(title_id, -1), streak_days, viewers from report.title_streaks
                union all
                \(shownWeeks)
                """)
            shownStreaks = Dictionary(grouping: shown.filter { $0.key.streakDays >= 2 }, by: \.key.title)
            stored = try counts(
                """
                select as_of, title_ref, streak_days, viewers from analytics.title_runs
                union all
                select p.period_start, coalesce(t.title_id, -1), 0, p.viewers
                from analytics.fact_title_period p join analytics.dim_title t using (title_key) where p.period_kind = 'week'
                """)
            let loaded = try connection.query(
                "select min(d.full_date), max(d.full_date) from analytics.fact_title_daily f join analytics.dim_date d using (date_key)"
            ).rows[0]
            range = try loaded.decode(0, as: Day.self)...loaded.decode(1, as: Day.self)
            // Each title's first day with a play: an attacker who knows its premiere knows that the
            // days before it held nobody.
            firstDays = stored.keys.filter { $0.streakDays == 1 }.reduce(into: [Int: Day]()) { first, count in
                first[count.title] = min(first[count.title] ?? count.day, count.day)
            }
            for (count, _) in stored where count.firstDay.weekStart == count.day.weekStart {
                hidden[count.title, default: [:]][count.day.weekStart, default: []] += shown[count] == nil ? [count] : []
            }
        }

        /// The program of a title's week (by Monday) over its patterns of days: the published counts
        /// as constraints, the hidden ones as targets. Its variables' sum is the week's people.
        func program(title: Int, week: Day) -> PatternProgram {
            let days = (0..<7).map { week.advanced(by: $0) }.filter { range.contains($0) && $0 >= firstDays[title] ?? range.lowerBound }
            let patterns = Patterns(items: days.count)
            func run(_ run: ClosedRange<Day>) -> [Double] {
                patterns.including(days.indices.filter { run.contains(days[$0]) }.reduce(0) { $0 | 1 << $1 })
            }
            var constraints: [PatternProgram.Constraint] = []
            for day in days {
                if let viewers = shown[Count(title: title, day: day, streakDays: 1)] {
                    constraints.append((run(day...day), .equal, Double(viewers)))
                } else if !knowsEmptyDays {
                    constraints.append((run(day...day), .atMost, Double(k - 1)))
                } else if (stored[Count(title: title, day: day, streakDays: 1)] ?? 0) == 0 {
                    // No row, or ratings only (0 viewers): nobody watched.
                    constraints.append((run(day...day), .equal, 0))
                } else {
                    constraints.append((run(day...day), .atMost, Double(k - 1)))
                    constraints.append((run(day...day), .atLeast, 1))
                }
            }
            for (streak, viewers) in shownStreaks[title] ?? [] where streak.firstDay <= days[days.count - 1] && streak.day >= days[0] {
                let inside = streak.firstDay >= days[0] && streak.day <= days[days.count - 1]
                constraints.append((run(streak.firstDay...streak.day), inside ? .equal : .atLeast, Double(viewers)))
            }
            if let viewers = shown[Count(title: title, day: week, streakDays: 0)] {
                constraints.append((patterns.all, .equal, Double(viewers)))
            }
            let targets = (hidden[title]?[week] ?? []).map { count in
                (
                    what: count.streakDays == 0
                        ? "the week" : count.streakDays == 1 ? "\(count.day)" : "the \(count.streakDays)-day streak as of \(count.day)",
                    viewers: stored[count] ?? 0, objective: count.streakDays == 0 ? patterns.all : run(count.firstDay...count.day)
                )
            }
            return PatternProgram(
                patterns: patterns, constraints: constraints, targets: targets,
                name: { pattern in "days " + days.indices.filter { pattern & 1 << $0 != 0 }.map { "\(days[$0])" }.joined(separator: ", ") })
        }
    }
}
