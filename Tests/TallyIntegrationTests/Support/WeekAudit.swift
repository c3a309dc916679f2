import Foundation
import Tally

/// What an audit by linear program found: the units it took (title-weeks, group-periods), the
/// ranges it computed, the hidden counts it narrowed, and the units whose published counts no
/// pattern of people satisfies (none on person-level data).
struct AuditFindings {
    var units = 0
    var ranges = 0
    var narrowed: [NarrowedCount] = []
    /// Patterns of 1 to k - 1 people that the published counts single out and size to fewer than p
    /// values (`LinearProgram.smallPatterns`; viewers: -1, unknown).
    var smallPatterns: [NarrowedCount] = []
    var infeasible: [String] = []

    /// Solves one unit's program for its targets, and for each pattern of people.
    mutating func solve(
        _ unit: String, patterns: Patterns, constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)],
        targets: [(what: String, viewers: Int, objective: [Double])], k: Int, p: Int, name: (Int) -> String
    ) {
        units += 1
        ranges += targets.count
        let program = LinearProgram(variables: patterns.count, constraints: constraints)
        guard let found = program.narrowed(targets, p: p) else {
            infeasible.append(unit)
            return
        }
        narrowed += found.map { NarrowedCount(what: "\(unit), \($0.what)", viewers: $0.viewers, least: $0.least, most: $0.most) }
        smallPatterns += program.smallPatterns(patterns, k: k, p: p).map {
            NarrowedCount(what: "\(unit), the people of \(name($0.pattern)) only", viewers: -1, least: $0.least, most: $0.most)
        }
    }
}

/// k and the protection level p, as the views read them.
func reportSettings(_ connection: PostgresConnection) throws -> (k: Int, p: Int) {
    let row = try connection.query("select k, coalesce(protection, (k + 1) / 2) from report.settings").rows[0]
    return (try row.decode(0, as: Int.self), try row.decode(1, as: Int.self))
}

/// The attacker of docs/analysts.md (I3b), who takes all the counts that the report views publish
/// about a title's week together, as tau-ARGUS audits linked tables: a linear program over the
/// number of people with each pattern of days watched in the week (Monday and Wednesday only, say:
/// 127 patterns for a week of 7 loaded days). What the attacker knows:
/// - a shown day's viewers, a shown streak that lies inside the week and a shown week's viewers, exactly;
/// - a shown streak that began before the week, as a lower bound on the people who watched every day
///   of the week up to its day;
/// - a day without a row, at most k - 1 people (title_daily hides nothing else).
///
/// For each hidden count that the warehouse stores (a day, a streak inside the week or the week
/// itself), the least and the most the program allows are the attacker's range; and a pattern whose
/// people it pins between 1 and k - 1, to fewer than p values, is a small group singled out. Months are not modelled:
/// a month has 2^30 patterns.
enum WeekAudit {
    /// The report views' weeks, for `audit(_:shownWeeks:)`.
    static let reportWeeks = "select week_start - date '2000-01-01', coalesce(title_id, -1), viewers from report.title_weekly"
    /// Every stored week of k or more viewers, as if no rule hid a week: the control.
    static let everyWeekOfK = """
        select p.period_start - date '2000-01-01', coalesce(t.title_id, -1), p.viewers
        from analytics.fact_title_period p join analytics.dim_title t using (title_key) cross join report.settings s
        where p.period_kind = 'week' and p.viewers >= s.k
        """

    /// A title's count as of a day: streak_days 1 is the day's viewers, 0 the week's (by Monday).
    private struct Count: Hashable {
        var title: Int
        var day: Int
        var streakDays: Int
    }

    /// Audits every title-week of the warehouse (as a superuser, who reads the report views as the
    /// analyst does and the stored facts besides), with `shownWeeks` as the weeks published.
    static func audit(_ connection: PostgresConnection, shownWeeks: String = reportWeeks) throws -> AuditFindings {
        let (k, p) = try reportSettings(connection)
        func counts(_ sql: String) throws -> [Count: Int] {
            try connection.query(sql).rows.reduce(into: [:]) { counts, row in
                counts[Count(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Int.self), streakDays: try row.decode(2, as: Int.self))] =
                    try row.decode(3, as: Int.self)
            }
        }
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
        for (count, _) in stored {
            let start = count.streakDays == 0 ? count.day : count.day - count.streakDays + 1
            guard monday(start) == monday(count.day) else { continue }  // a run that began in an earlier week
            hiddenByWeek[count.title, default: [:]][monday(count.day), default: []] += shown[count] == nil ? [count] : []
        }

        var findings = AuditFindings()
        for (title, weeks) in hiddenByWeek {
            for (week, hidden) in weeks {
                let days = (week..<(week + 7)).filter { (first...last).contains($0) }
                let patterns = Patterns(items: days.count)
                func run(_ run: ClosedRange<Int>) -> [Double] { patterns.including(run.reduce(0) { $0 | 1 << ($1 - days[0]) }) }
                var constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)] = []
                for day in days {
                    if let viewers = shown[Count(title: title, day: day, streakDays: 1)] {
                        constraints.append((run(day...day), .equal, Double(viewers)))
                    } else {
                        constraints.append((run(day...day), .atMost, Double(k - 1)))
                    }
                    for length in 2...30 {
                        guard let viewers = shown[Count(title: title, day: day, streakDays: length)] else { continue }
                        let start = day - length + 1
                        if start >= days[0] {
                            constraints.append((run(start...day), .equal, Double(viewers)))
                        } else {
                            constraints.append((run(days[0]...day), .atLeast, Double(viewers)))
                        }
                    }
                }
                if let viewers = shown[Count(title: title, day: week, streakDays: 0)] {
                    constraints.append((patterns.all, .equal, Double(viewers)))
                }
                let targets = hidden.map { count in
                    count.streakDays == 0
                        ? (what: "the week", viewers: stored[count] ?? 0, objective: patterns.all)
                        : (
                            what: count.streakDays == 1 ? "day \(count.day)" : "the \(count.streakDays)-day streak as of day \(count.day)",
                            viewers: stored[count] ?? 0, objective: run((count.day - count.streakDays + 1)...count.day)
                        )
                }
                findings.solve(
                    "title \(title), week of day \(week) (since 2000-01-01)", patterns: patterns, constraints: constraints, targets: targets, k: k, p: p,
                    name: { pattern in "days " + days.indices.filter { pattern & 1 << $0 != 0 }.map { "\(days[$0])" }.joined(separator: ", ") })
            }
        }
        return findings
    }
}
