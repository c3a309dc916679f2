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
/// itself), the least and the most the program allows are the attacker's range; and a pattern whose
/// people it pins between 1 and k - 1, to fewer than p values, is a small group singled out. People
/// come whole (`LinearProgram`). Months, the week's neighbours and the title's pairs are not
/// modelled here: `MonthAudit.auditByDays` takes a week inside a month with the month's other
/// counts (though not its single patterns).
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
    private struct Count: Hashable {
        var title: Int
        var day: Day
        var streakDays: Int
        var firstDay: Day { streakDays == 0 ? day : day.advanced(by: Int32(1 - streakDays)) }
    }

    /// Audits every title-week of the warehouse (as a superuser, who reads the report views as the
    /// analyst does and the stored facts besides), with `shownWeeks` as the weeks published.
    static func audit(_ connection: PostgresConnection, shownWeeks: String = reportWeeks, knowsEmptyDays: Bool = false) throws -> AuditFindings {
        let (k, p) = try reportSettings(connection)
        func counts(_ sql: String) throws -> [Count: Int] {
            try connection.query(sql).rows.reduce(into: [:]) { counts, row in
                counts[Count(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Day.self), streakDays: try row.decode(2, as: Int.self))] =
                    try row.decode(3, as: Int.self)
            }
        }
        let shown = try counts(
            """
            select day, coalesce(title_id, -1), 1, viewers from report.title_daily
            union all
            select as_of, coalesce(title_id, -1), streak_days, viewers from report.title_streaks
            union all
            \(shownWeeks)
            """)
        let shownStreaks = Dictionary(grouping: shown.filter { $0.key.streakDays >= 2 }, by: \.key.title)
        let stored = try counts(
            """
            select as_of, title_ref, streak_days, viewers from analytics.title_runs
            union all
            select p.period_start, coalesce(t.title_id, -1), 0, p.viewers
            from analytics.fact_title_period p join analytics.dim_title t using (title_key) where p.period_kind = 'week'
            """)
        let loaded = try connection.query(
            "select min(d.full_date), max(d.full_date) from analytics.fact_title_daily f join analytics.dim_date d using (date_key)"
        ).rows[0]
        let range = try loaded.decode(0, as: Day.self)...loaded.decode(1, as: Day.self)

        // Each title's first day with a play: an attacker who knows its premiere knows that the days
        // before it held nobody.
        let firstDays = stored.keys.filter { $0.streakDays == 1 }.reduce(into: [Int: Day]()) { first, count in
            first[count.title] = min(first[count.title] ?? count.day, count.day)
        }
        // Each title-week with a stored count, and the hidden ones that lie inside it.
        var weeks: [Int: [Day: [Count]]] = [:]
        for (count, _) in stored where count.firstDay.weekStart == count.day.weekStart {
            weeks[count.title, default: [:]][count.day.weekStart, default: []] += shown[count] == nil ? [count] : []
        }

        var findings = AuditFindings()
        for (title, titleWeeks) in weeks {
            for (week, hidden) in titleWeeks {
                let days = (0..<7).map { week.advanced(by: $0) }.filter { range.contains($0) && $0 >= firstDays[title] ?? range.lowerBound }
                let patterns = Patterns(items: days.count)
                func run(_ run: ClosedRange<Day>) -> [Double] {
                    patterns.including(days.indices.filter { run.contains(days[$0]) }.reduce(0) { $0 | 1 << $1 })
                }
                var constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)] = []
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
                let targets = hidden.map { count in
                    (
                        what: count.streakDays == 0
                            ? "the week" : count.streakDays == 1 ? "\(count.day)" : "the \(count.streakDays)-day streak as of \(count.day)",
                        viewers: stored[count] ?? 0, objective: count.streakDays == 0 ? patterns.all : run(count.firstDay...count.day)
                    )
                }
                findings.solve(
                    "title \(title), week of \(week)", patterns: patterns, constraints: constraints, targets: targets, k: k, p: p,
                    name: { pattern in "days " + days.indices.filter { pattern & 1 << $0 != 0 }.map { "\(days[$0])" }.joined(separator: ", ") })
            }
        }
        return findings
    }
}
