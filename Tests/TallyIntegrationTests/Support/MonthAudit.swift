import Foundation
import Tally

/// The attacker of docs/analysts.md (I3m by weeks), who takes what the report views publish about a
/// title's month at the grain of its units: its whole weeks (Monday to Sunday inside the month) and
/// its days outside them, from the title's first play to the last loaded day. A linear program over
/// the number of people with each pattern of units (in the first and third weeks and on the 30th,
/// say: 63 patterns for November's four weeks and two days). What the attacker knows:
/// - a shown month, a shown week among the units and a shown day outside them, exactly;
/// - a week that is not shown, as at least its largest shown day and at most its days' viewers
///   (k - 1 for each day without a row);
/// - a day outside the weeks without a row, as at most k - 1;
/// - a shown streak that runs over two units or more, as a lower bound on the people in all of them;
/// - with `knowsEmptyDays`, which days held nobody: those hold none, and a unit with a play at
///   least 1.
///
/// For each hidden count that the warehouse stores (the month, a week, a day outside the weeks),
/// the least and the most the program allows are the attacker's range; and a pattern of units, or
/// the people in at least m of them, pinned between 1 and k - 1 to fewer than p values is a small
/// group singled out. A month of more than `maxUnits` units is skipped and counted. With
/// `edgeWeeks`, the month's days of a shown week that crosses its edge are one unit instead of
/// days, at most that week's viewers (exactly, when the week has no covered day outside the month)
/// and at least its largest shown day: the split of I3m by weeks, edge weeks. The program leaves
/// out the days inside the weeks as separate counts (WeekAudit takes those), an edge week beside
/// its days, and the title's pairs. It counts people whole.
enum MonthAudit {
    /// The report view's months, for `audit(_:shownMonths:)`.
    static let reportMonths = "select month_start, coalesce(title_id, -1), viewers from report.title_monthly"
    /// Every stored month of k or more viewers, as if no rule hid a month: the control.
    static let everyMonthOfK = """
        select p.period_start, coalesce(t.title_id, -1), p.viewers
        from analytics.fact_title_period p join analytics.dim_title t using (title_key) cross join report.settings s
        where p.period_kind = 'month' and p.viewers >= s.k
        """

    private struct Key: Hashable {
        var title: Int
        var day: Day
    }

    /// Audits every stored title-month of at most `maxUnits` units (as a superuser), with
    /// `shownMonths` as the months published.
    static func audit(
        _ connection: PostgresConnection, shownMonths: String = reportMonths, maxUnits: Int = 12, edgeWeeks: Bool = false, knowsEmptyDays: Bool = false
    ) throws -> (
        findings: AuditFindings, skipped: Int
    ) {
        let (k, p) = try reportSettings(connection)
        func counts(_ sql: String) throws -> [Key: Int] {
            try connection.query(sql).rows.reduce(into: [:]) { counts, row in
                counts[Key(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Day.self))] = try row.decode(2, as: Int.self)
            }
        }
        let shownDays = try counts("select day, coalesce(title_id, -1), viewers from report.title_daily")
        let shownWeeks = try counts("select week_start, coalesce(title_id, -1), viewers from report.title_weekly")
        let shownMonths = try counts(shownMonths)
        func stored(_ kind: String) throws -> [Key: Int] {
            try counts(
                """
                select p.period_start, coalesce(t.title_id, -1), p.viewers
                from analytics.fact_title_period p join analytics.dim_title t using (title_key) where p.period_kind = '\(kind)'
                """)
        }
        let storedMonths = try stored("month")
        let storedWeeks = try stored("week")
        let storedDays = try counts("select as_of, title_ref, viewers from analytics.title_runs where streak_days = 1")
        let streaks = try connection.query("select as_of, coalesce(title_id, -1), streak_days, viewers from report.title_streaks where streak_days >= 2")
            .rows.reduce(into: [Int: [(run: ClosedRange<Day>, viewers: Int)]]()) { streaks, row in
                let asOf = try row.decode(0, as: Day.self)
                streaks[try row.decode(1, as: Int.self), default: []].append(
                    (asOf.advanced(by: Int32(1 - (try row.decode(2, as: Int.self))))...asOf, try row.decode(3, as: Int.self)))
            }
        let loaded = try connection.query(
            "select min(d.full_date), max(d.full_date) from analytics.fact_title_daily f join analytics.dim_date d using (date_key)"
        ).rows[0]
        let range = try loaded.decode(0, as: Day.self)...loaded.decode(1, as: Day.self)
        let firstDays = storedDays.keys.reduce(into: [Int: Day]()) { first, key in first[key.title] = min(first[key.title] ?? key.day, key.day) }

        var findings = AuditFindings()
        var skipped = 0
        for (month, monthViewers) in storedMonths {
            let first = max(range.lowerBound, firstDays[month.title] ?? range.lowerBound, month.day)
            let last = min(range.upperBound, month.day.month.upperBound)
            guard first <= last else { continue }
            // The units, as runs of covered days: whole weeks first, then each day outside them.
            let weeks = stride(from: month.day, through: month.day.month.upperBound, by: 1)
                .filter { $0.weekStart == $0 && $0.advanced(by: 6) <= month.day.month.upperBound }
                .filter { $0 <= last && $0.advanced(by: 6) >= first }
            let inWeeks = { (day: Day) in weeks.contains { (day.weekStart) == $0 } }
            let loose = stride(from: first, through: last, by: 1).filter { !inWeeks($0) }
            let isEdge = { (day: Day) in edgeWeeks && shownWeeks[Key(title: month.title, day: day.weekStart)] != nil }
            let edges = Array(Set(loose.filter(isEdge).map(\.weekStart))).sorted()
            let units =
                weeks.map { max($0, first)...min($0.advanced(by: 6), last) }
                + edges.map { monday in loose.filter { $0.weekStart == monday }.min()!...loose.filter { $0.weekStart == monday }.max()! }
                + loose.filter { !isEdge($0) }.map { $0...$0 }
            guard units.count <= maxUnits else {
                skipped += 1
                continue
            }
            let patterns = Patterns(items: units.count)
            func mask(_ run: ClosedRange<Day>) -> Int {
                units.indices.filter { units[$0].overlaps(run) }.reduce(0) { $0 | 1 << $1 }
            }
            var constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)] = []
            var targets: [(what: String, viewers: Int, objective: [Double])] = []
            if let viewers = shownMonths[month] {
                constraints.append((patterns.all, .equal, Double(viewers)))
            } else {
                targets.append(("the month", monthViewers, patterns.all))
            }
            for (i, unit) in units.enumerated() {
                let objective = patterns.including(1 << i)
                let days = stride(from: unit.lowerBound, through: unit.upperBound, by: 1).map { shownDays[Key(title: month.title, day: $0)] }
                let isWeek = i < weeks.count
                let key = Key(title: month.title, day: unit.lowerBound.weekStart)
                if i >= weeks.count && i < weeks.count + edges.count, let viewers = shownWeeks[key] {
                    // An edge week's days in the month: the week's people, less any on its covered days outside it.
                    let outside = stride(from: key.day, through: key.day.advanced(by: 6), by: 1).contains {
                        !unit.contains($0) && $0 >= max(range.lowerBound, firstDays[month.title] ?? range.lowerBound) && $0 <= range.upperBound
                            && (!knowsEmptyDays || (storedDays[Key(title: month.title, day: $0)] ?? 0) > 0)
                    }
                    constraints.append((objective, outside ? .atMost : .equal, Double(viewers)))
                    if let most = days.compactMap({ $0 }).max() { constraints.append((objective, .atLeast, Double(most))) }
                } else if isWeek, let viewers = shownWeeks[key] {
                    constraints.append((objective, .equal, Double(viewers)))
                } else if !isWeek, let viewers = days[0] {
                    constraints.append((objective, .equal, Double(viewers)))
                } else {
                    // A day without a row holds at most k - 1; with knowsEmptyDays, none when nobody
                    // watched, and the unit at least 1 when somebody did.
                    let played = stride(from: unit.lowerBound, through: unit.upperBound, by: 1).map {
                        (storedDays[Key(title: month.title, day: $0)] ?? 0) > 0
                    }
                    let most = zip(days, played).reduce(0) { $0 + ($1.0 ?? (knowsEmptyDays && !$1.1 ? 0 : k - 1)) }
                    constraints.append((objective, .atMost, Double(most)))
                    if let most = days.compactMap({ $0 }).max() { constraints.append((objective, .atLeast, Double(most))) }
                    if knowsEmptyDays && played.contains(true) { constraints.append((objective, .atLeast, 1)) }
                    let viewers = isWeek ? storedWeeks[key] : storedDays[Key(title: month.title, day: unit.lowerBound)]
                    if let viewers { targets.append((isWeek ? "the week of \(key.day)" : "\(unit.lowerBound)", viewers, objective)) }
                }
            }
            for streak in streaks[month.title] ?? [] where mask(streak.run).nonzeroBitCount >= 2 {
                constraints.append((patterns.including(mask(streak.run)), .atLeast, Double(streak.viewers)))
            }
            findings.solve(
                "title \(month.title), month of \(month.day)", patterns: patterns, constraints: constraints, targets: targets, k: k, p: p,
                name: { pattern in
                    "units " + units.indices.filter { pattern & 1 << $0 != 0 }.map { "\(units[$0].lowerBound)" }.joined(separator: ", ")
                })
        }
        return (findings, skipped)
    }
}
