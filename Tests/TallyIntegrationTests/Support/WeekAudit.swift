import Foundation
import Tally

/// The attacker of docs/analysts.md ("Every published count of a week at once"), who takes all the
/// counts that the report views publish about a title's week together, as tau-ARGUS audits linked
/// tables: a linear program over the number of people with each pattern of days watched in the week
/// (Monday and Wednesday only, say: 127 patterns for a week of 7 loaded days). What the attacker knows:
/// - a shown day's viewers, a shown streak that lies inside the week and a shown week's viewers, exactly;
/// - a shown streak that began before the week, as a lower bound on the people who watched every day
///   of the week up to its day;
/// - a day without a row, at most k - 1 people (title_daily hides nothing else).
///
/// For each hidden count that the warehouse stores (a day, a streak inside the week or the week
/// itself), the least and the most the program allows are the attacker's range; a range of fewer
/// than p values is a narrowed count. Months are not modelled: a month has 2^30 patterns.
enum WeekAudit {
    /// A hidden count and the attacker's range for it.
    struct Narrowed: CustomStringConvertible {
        var title: Int
        var day: Int
        var streakDays: Int
        var viewers: Int
        var least: Int
        var most: Int
        var description: String {
            let what = streakDays == 0 ? "the week" : streakDays == 1 ? "the day" : "the \(streakDays)-day streak"
            return "title \(title), \(what) as of day \(day) (since 2000-01-01): \(viewers) people, pinned to \(least)...\(most)"
        }
    }

    /// What an audit found: the title-weeks with a hidden count, the narrowed counts, and the weeks
    /// whose published counts no pattern of people satisfies (none on person-level data).
    struct Findings {
        var titleWeeks = 0
        var programs = 0
        var narrowed: [Narrowed] = []
        var infeasible: [String] = []
    }

    /// The report views' weeks, for `audit(_:shownWeeks:)`.
    static let reportWeeks = "select week_start - date '2000-01-01', coalesce(title_id, -1), viewers from report.title_weekly"
    /// Every stored week of k or more viewers, as if no rule hid a week: the control.
    static let everyWeekOfK = """
        select p.period_start - date '2000-01-01', coalesce(t.title_id, -1), p.viewers
        from analytics.fact_title_period p join analytics.dim_title t using (title_key) cross join report.settings s
        where p.period_kind = 'week' and p.viewers >= s.k
        """

    private struct Count: Hashable {
        var title: Int
        var day: Int
        var streakDays: Int
    }

    /// Audits every title-week of the warehouse (as a superuser, who reads the report views as the
    /// analyst does and the stored facts besides), with `shownWeeks` as the weeks published.
    static func audit(_ connection: PostgresConnection, shownWeeks: String = reportWeeks) throws -> Findings {
        let settings = try connection.query("select k, coalesce(protection, (k + 1) / 2) from report.settings").rows[0]
        let k = try settings.decode(0, as: Int.self)
        let p = try settings.decode(1, as: Int.self)
        func counts(_ sql: String) throws -> [Count: Int] {
            try connection.query(sql).rows.reduce(into: [:]) { counts, row in
                counts[Count(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Int.self), streakDays: try row.decode(2, as: Int.self))] =
                    try row.decode(3, as: Int.self)
            }
        }
        // Days and streaks as runs: streak_days 1 is the day; weeks as streak_days 0, by Monday.
        var shown = try counts(
            """
            select day - date '2000-01-01', coalesce(title_id, -1), 1, viewers from report.title_daily
            union all
            select as_of - date '2000-01-01', coalesce(title_id, -1), streak_days, viewers from report.title_streaks
            """)
        for row in try connection.query(shownWeeks).rows {
            shown[Count(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Int.self), streakDays: 0)] = try row.decode(2, as: Int.self)
        }
        let stored = try counts(
            """
            select r.as_of - date '2000-01-01', r.title_ref, r.streak_days, r.viewers from analytics.title_runs r
            union all
            select p.period_start - date '2000-01-01', coalesce(t.title_id, -1), 0, p.viewers
            from analytics.fact_title_period p join analytics.dim_title t using (title_key) where p.period_kind = 'week'
            """)
        let loaded = try connection.query(
            "select min(d.full_date) - date '2000-01-01', max(d.full_date) - date '2000-01-01' from analytics.fact_title_daily f join analytics.dim_date d using (date_key)"
        ).rows[0]
        let first = try loaded.decode(0, as: Int.self)
        let last = try loaded.decode(1, as: Int.self)

        // 2000-01-01 was a Saturday: a day's Monday is 5 days back from it, modulo 7.
        func monday(_ day: Int) -> Int { day - (day + 5) % 7 }
        var hiddenByWeek: [Int: [Int: [Count]]] = [:]  // title -> Monday -> hidden stored counts
        for (count, _) in stored where shown[count] == nil {
            let start = count.streakDays == 0 ? count.day : count.day - count.streakDays + 1
            guard monday(start) == monday(count.day) else { continue }  // a run that began in an earlier week
            hiddenByWeek[count.title, default: [:]][monday(count.day), default: []].append(count)
        }

        var findings = Findings()
        for (title, weeks) in hiddenByWeek {
            for (week, targets) in weeks {
                findings.titleWeeks += 1
                let days = (week..<(week + 7)).filter { (first...last).contains($0) }
                let patterns = (1 << days.count) - 1
                // The people whose pattern includes every day of `run` (days as offsets in the week).
                func including(_ run: ClosedRange<Int>) -> [Double] {
                    let mask = run.reduce(0) { $0 | 1 << ($1 - days[0]) }
                    return (1...patterns).map { $0 & mask == mask ? 1 : 0 }
                }
                var constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)] = []
                for day in days {
                    if let viewers = shown[Count(title: title, day: day, streakDays: 1)] {
                        constraints.append((including(day...day), .equal, Double(viewers)))
                    } else {
                        constraints.append((including(day...day), .atMost, Double(k - 1)))
                    }
                    for length in 2...30 {
                        guard let viewers = shown[Count(title: title, day: day, streakDays: length)] else { continue }
                        let start = day - length + 1
                        if start >= days[0] {
                            constraints.append((including(start...day), .equal, Double(viewers)))
                        } else {
                            constraints.append((including(days[0]...day), .atLeast, Double(viewers)))
                        }
                    }
                }
                if let viewers = shown[Count(title: title, day: week, streakDays: 0)] {
                    constraints.append(([Double](repeating: 1, count: patterns), .equal, Double(viewers)))
                }
                let program = LinearProgram(variables: patterns, constraints: constraints)
                for target in targets {
                    let objective =
                        target.streakDays == 0
                        ? [Double](repeating: 1, count: patterns) : including((target.day - target.streakDays + 1)...target.day)
                    findings.programs += 1
                    guard let range = program.range(of: objective) else {
                        findings.infeasible.append("title \(title), week of day \(week)")
                        break
                    }
                    guard let most = range.most else { continue }
                    let least = Int((range.least - 1e-6).rounded(.up))
                    let upper = Int((most + 1e-6).rounded(.down))
                    if upper - least + 1 < p {
                        findings.narrowed.append(
                            Narrowed(title: title, day: target.day, streakDays: target.streakDays, viewers: stored[target] ?? 0, least: least, most: upper))
                    }
                }
            }
        }
        return findings
    }
}
