import Foundation
import Tally

/// The attacker of I4p (docs/analysts.md), who reads a title-month's plays with its days: each
/// person of a day played on it at least once, so the people of the month's hidden days, counted
/// once a day, are at most the month's plays less its shown days' plays. A program over every
/// pattern of the month's days with a play (the attacker knows which days held nobody), with the
/// shown days, the shown weeks inside the month, the shown streaks inside it and the shown month
/// exactly, each hidden day 1 to k - 1, and that bound: for each stored hidden day and week, the
/// least and the most it allows, and the patterns and groups of people it pins between 1 and k - 1
/// (`PatternProgram`; past `everyPatternUpTo` days, only the people on at least m or exactly m days).
/// Only the title-months with at most `maxDays` days with a play are taken (2^days patterns);
/// `MonthAudit.auditByDays` takes every month, without plays.
enum PlaysAudit {
    /// The plays title_monthly publishes.
    static let reportMonthPlays = "select month_start, coalesce(title_id, -1), plays from report.title_monthly where plays is not null"
    /// Every stored month's plays, as if no rule hid them: the control.
    static let everyMonthPlays = """
        select p.period_start, coalesce(t.title_id, -1), p.plays
        from analytics.fact_title_period p join analytics.dim_title t using (title_key) where p.period_kind = 'month'
        """

    private struct Key: Hashable {
        var title: Int
        var day: Day
    }

    /// Audits the title-months whose plays `monthPlays` publishes (as a superuser); returns the
    /// findings and how many title-months it audited.
    static func audit(_ connection: PostgresConnection, monthPlays: String = reportMonthPlays, maxDays: Int = 10, everyPatternUpTo: Int = 9) throws -> (
        findings: AuditFindings, audited: Int
    ) {
        let (k, p) = try reportSettings(connection)
        func rows(_ sql: String) throws -> [Key: (Int, Int)] {
            try connection.query(sql).rows.reduce(into: [:]) { rows, row in
                rows[Key(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Day.self))] =
                    (try row.decode(2, as: Int.self), try row.decode(3, as: Int.self))
            }
        }
        let storedDays = try rows("select as_of, title_ref, viewers, 0 from analytics.title_runs where streak_days = 1 and viewers > 0")
        let shownDays = try rows("select day, coalesce(title_id, -1), viewers, plays from report.title_daily")
        let shownWeeks = try rows("select week_start, coalesce(title_id, -1), viewers, 0 from report.title_weekly")
        let storedWeeks = try rows(
            """
            select p.period_start, coalesce(t.title_id, -1), p.viewers, 0
            from analytics.fact_title_period p join analytics.dim_title t using (title_key) where p.period_kind = 'week'
            """)
        let shownMonths = try rows("select month_start, coalesce(title_id, -1), viewers, 0 from report.title_monthly")
        let plays = try rows("select *, 0 from (\(monthPlays)) m")
        let streaks = try connection.query("select as_of, coalesce(title_id, -1), streak_days, viewers from report.title_streaks").rows.map {
            (
                asOf: try $0.decode(0, as: Day.self), title: try $0.decode(1, as: Int.self), days: try $0.decode(2, as: Int.self),
                viewers: try $0.decode(3, as: Int.self)
            )
        }

        var findings = AuditFindings()
        var audited = 0
        for (month, (monthPlays, _)) in plays.sorted(by: { ($0.key.title, $0.key.day) < ($1.key.title, $1.key.day) }) {
            let days = stride(from: month.day, through: month.day.month.upperBound, by: 1).filter {
                storedDays[Key(title: month.title, day: $0)] != nil
            }
            guard !days.isEmpty, days.count <= maxDays else { continue }
            audited += 1
            let patterns = Patterns(items: days.count)
            func mask(_ run: ClosedRange<Day>) -> Int { days.indices.filter { run.contains(days[$0]) }.reduce(0) { $0 | 1 << $1 } }
            var constraints: [PatternProgram.Constraint] = []
            var targets: [(what: String, viewers: Int, objective: [Double])] = []
            var hidden = 0
            var hiddenPlays = monthPlays
            for (i, day) in days.enumerated() {
                let objective = patterns.including(1 << i)
                if let (viewers, dayPlays) = shownDays[Key(title: month.title, day: day)] {
                    constraints.append((objective, .equal, Double(viewers)))
                    hiddenPlays -= dayPlays
                } else {
                    constraints.append((objective, .atMost, Double(k - 1)))
                    constraints.append((objective, .atLeast, 1))
                    targets.append(("\(day)", storedDays[Key(title: month.title, day: day)]!.0, objective))
                    hidden |= 1 << i
                }
            }
            // The people of the hidden days, once a day, at most those days' plays.
            constraints.append(((1...patterns.count).map { Double(($0 & hidden).nonzeroBitCount) }, .atMost, Double(hiddenPlays)))
            for monday in Set(days.map(\.weekStart)).sorted() where monday >= month.day && monday.advanced(by: 6) <= month.day.month.upperBound {
                let week = mask(monday...monday.advanced(by: 6))
                let objective = (1...patterns.count).map { $0 & week != 0 ? 1.0 : 0 }
                if let (viewers, _) = shownWeeks[Key(title: month.title, day: monday)] {
                    constraints.append((objective, .equal, Double(viewers)))
                } else if let (viewers, _) = storedWeeks[Key(title: month.title, day: monday)] {
                    targets.append(("the week of \(monday)", viewers, objective))
                }
            }
            for streak in streaks where streak.title == month.title {
                let run = streak.asOf.advanced(by: Int32(1 - streak.days))...streak.asOf
                if run.lowerBound >= month.day && run.upperBound <= month.day.month.upperBound {
                    constraints.append((patterns.including(mask(run)), .equal, Double(streak.viewers)))
                }
            }
            if let (viewers, _) = shownMonths[month] { constraints.append((patterns.all, .equal, Double(viewers))) }
            var program = PatternProgram(
                patterns: patterns, constraints: constraints, targets: targets,
                name: { pattern in "days " + days.indices.filter { pattern & 1 << $0 != 0 }.map { "\(days[$0])" }.joined(separator: ", ") })
            // Past `everyPatternUpTo` days, only the people on at least m days or exactly m (a
            // program per pattern of 2^days would take hours).
            if days.count > everyPatternUpTo { program.groups = program.groups.filter { $0.what.contains(" of them") } }
            findings.solve("title \(month.title), month of \(month.day) with its plays", program, k: k, p: p)
        }
        return (findings, audited)
    }
}
