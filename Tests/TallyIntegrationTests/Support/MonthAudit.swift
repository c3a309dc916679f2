import CGLPK
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
/// the least and the most the program allows are the attacker's range; and a pattern of units, the
/// people in every unit of a set whatever else, or the people in at least m or in exactly m of them, pinned between 1 and k - 1 to fewer than p
/// values is a small group singled out. A month of more than `maxUnits` units is skipped and counted. With
/// `edgeWeeks`, the month's days of a shown week that crosses its edge are one unit instead of
/// days, at most that week's viewers (exactly, when the week has no covered day outside the month)
/// and at least its largest shown day: the split of I3m by weeks, edge weeks. The program leaves
/// out the days inside the weeks as separate counts (WeekAudit takes those, and `auditByDays` all
/// of them together), an edge week beside its days, and the title's pairs. It counts people whole.
enum MonthAudit {
    /// The report view's months, for `audit(_:shownMonths:)`.
    static let reportMonths = "select month_start, coalesce(title_id, -1), viewers from report.title_monthly"
    /// Every stored month of k or more viewers, as if no rule hid a month: the control.
    static let everyMonthOfK = """
        select p.period_start, coalesce(t.title_id, -1), p.viewers
        from analytics.fact_title_period p join analytics.dim_title t using (title_key) cross join report.settings s
        where p.period_kind = 'month' and p.viewers >= s.k
        """

    fileprivate struct Key: Hashable {
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
        let c = try Counts(connection, shownMonths: shownMonths, shownWeeks: WeekAudit.reportWeeks)
        let (k, p, shownDays, shownWeeks, shownMonths, storedWeeks, storedDays, range, firstDays) = (
            c.k, c.p, c.shownDays, c.shownWeeks, c.shownMonths, c.storedWeeks, c.storedDays, c.range, c.firstDays
        )
        let streaks = c.streaks.mapValues { $0.filter(\.shown) }

        var findings = AuditFindings()
        var skipped = 0
        for (month, monthViewers) in c.storedMonths {
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
                "title \(month.title), month of \(month.day)",
                PatternProgram(
                    patterns: patterns, constraints: constraints, targets: targets,
                    name: { pattern in
                        "units " + units.indices.filter { pattern & 1 << $0 != 0 }.map { "\(units[$0].lowerBound)" }.joined(separator: ", ")
                    }), k: k, p: p)
        }
        return (findings, skipped)
    }
}

extension MonthAudit {
    /// The attacker who takes a title's month at the grain of its days: every published count of
    /// the title that lies in the month, or reaches into it, over the people's patterns of days
    /// (`ColumnProgram` with `DayPricing`, the relaxation). What the attacker knows:
    /// - a shown day, a shown streak inside the month's covered days, a shown week whose covered days
    ///   all lie in the month, and a shown month, exactly;
    /// - a shown week over the month's edge, as at least its people on the month's days;
    /// - a shown streak that reaches out of the month, as a lower bound on the people on every one of
    ///   its days inside;
    /// - a day without a row, as at most k - 1 people, and none before the title's first play; with
    ///   `knowsEmptyDays`, a day without a play as none, and a hidden day with one as 1 to k - 1.
    ///
    /// For each hidden count that the warehouse stores and that lies in the month (a day, a streak, a
    /// week whose covered days are all in it, the month), the least and the most the program allows
    /// are the attacker's range; and a pattern of days, or the people in at least m or exactly m of
    /// the month's weeks or of its days, pinned between 1 and k - 1 to fewer than p values is a
    /// small group singled out (of the 2^30 patterns, those that every point found puts there are
    /// taken: `ColumnProgram.smallPatterns`). With `since`, only the months from that day on are
    /// audited.
    static func auditByDays(
        _ connection: PostgresConnection, shownMonths: String = reportMonths, shownWeeks: String = WeekAudit.reportWeeks, knowsEmptyDays: Bool = false,
        since: Day? = nil
    ) throws -> AuditFindings {
        let c = try Counts(connection, shownMonths: shownMonths, shownWeeks: shownWeeks)
        let (k, p, shownDays, shownWeeks, shownMonths, storedWeeks, storedDays, range, firstDays) = (
            c.k, c.p, c.shownDays, c.shownWeeks, c.shownMonths, c.storedWeeks, c.storedDays, c.range, c.firstDays
        )

        var findings = AuditFindings()
        for (month, monthViewers) in c.storedMonths where month.day >= since ?? month.day {
            let opened = max(range.lowerBound, firstDays[month.title] ?? range.lowerBound)
            let first = max(opened, month.day)
            let last = min(range.upperBound, month.day.month.upperBound)
            guard first <= last else { continue }
            let index = { (day: Day) in Int(first.distance(to: day)) }
            let played = { (day: Day) in (storedDays[Key(title: month.title, day: day)] ?? 0) > 0 }
            /// A covered day: loaded, not before the premiere, and (to the attacker who knows) with a play.
            let covered = { (day: Day) in range.contains(day) && day >= opened && (!knowsEmptyDays || played(day)) }
            var constraints: [(count: DayCount, relation: LinearProgram.Relation, value: Double)] = []
            var targets: [(what: String, viewers: Int, objective: DayTarget)] = []
            for day in stride(from: first, through: last, by: 1) {
                let count = DayCount.day(index(day))
                if let viewers = shownDays[Key(title: month.title, day: day)] {
                    constraints.append((count, .equal, Double(viewers)))
                } else if knowsEmptyDays && !played(day) {
                    constraints.append((count, .equal, 0))
                } else {
                    constraints.append((count, .atMost, Double(k - 1)))
                    if knowsEmptyDays { constraints.append((count, .atLeast, 1)) }
                    if let viewers = storedDays[Key(title: month.title, day: day)], viewers > 0 { targets.append(("\(day)", viewers, .count(count))) }
                }
            }
            for streak in c.streaks[month.title] ?? [] where streak.run.overlaps(first...last) {
                let inside = max(streak.run.lowerBound, first)...min(streak.run.upperBound, last)
                let count = DayCount(days: index(inside.lowerBound)...index(inside.upperBound), every: true)
                if streak.shown {
                    constraints.append((count, inside == streak.run ? .equal : .atLeast, Double(streak.viewers)))
                } else if inside == streak.run {
                    targets.append(("the \(streak.run.count)-day streak as of \(streak.run.upperBound)", streak.viewers, .count(count)))
                }
            }
            for monday in Set(stride(from: first, through: last, by: 1).map(\.weekStart)).sorted() {
                let inside = max(monday, first)...min(monday.advanced(by: 6), last)
                let count = DayCount(days: index(inside.lowerBound)...index(inside.upperBound), every: false)
                let whole = !stride(from: monday, through: monday.advanced(by: 6), by: 1).contains { !inside.contains($0) && covered($0) }
                let key = Key(title: month.title, day: monday)
                if let viewers = shownWeeks[key] {
                    constraints.append((count, whole ? .equal : .atMost, Double(viewers)))
                } else if whole, let viewers = storedWeeks[key] {
                    targets.append(("the week of \(monday)", viewers, .count(count)))
                }
            }
            let everyone = DayCount(days: 0...index(last), every: false)
            if let viewers = shownMonths[month] {
                constraints.append((everyone, .equal, Double(viewers)))
            } else {
                targets.append(("the month", monthViewers, .count(everyone)))
            }
            // The people in at least m of the month's weeks, or in exactly m, and likewise of its
            // days: a group of 1 to k - 1 that the program sizes to fewer than p values is singled out.
            let days = (0...index(last)).map { UInt32(1) << $0 }
            let weeks = Dictionary(grouping: stride(from: first, through: last, by: 1), by: \.weekStart).sorted { $0.key < $1.key }.map {
                $0.value.reduce(UInt32(0)) { $0 | 1 << index($1) }
            }
            findings.solveByColumns(
                "title \(month.title), month of \(month.day) by days", pricing: DayPricing(days: index(last) + 1), constraints: constraints,
                targets: targets,
                groups: (2..<(weeks.count + 1)).map { ("the people in at least \($0) of its weeks", .atLeast($0, of: weeks)) }
                    + (1..<weeks.count).map { ("the people in exactly \($0) of its weeks", .exactly($0, of: weeks)) }
                    + (2..<(days.count + 1)).map { ("the people on at least \($0) of its days", .atLeast($0, of: days)) }
                    + (1..<days.count).map { ("the people on exactly \($0) of its days", .exactly($0, of: days)) }, k: k, p: p,
                name: { (pattern: UInt32) -> String in
                    let on = (0...index(last)).filter { pattern & UInt32(1) << $0 != 0 }
                    return "days " + on.map { "\(first.advanced(by: Int32($0)))" }.joined(separator: ", ")
                })
        }
        return findings
    }
}

/// What the month programs read (as a superuser): the counts that the report views publish and those
/// that the warehouse stores, by title and first day, the loaded days, and each title's first play.
private struct Counts {
    let k: Int
    let p: Int
    let shownDays: [MonthAudit.Key: Int]
    let shownWeeks: [MonthAudit.Key: Int]
    let shownMonths: [MonthAudit.Key: Int]
    let storedMonths: [MonthAudit.Key: Int]
    let storedWeeks: [MonthAudit.Key: Int]
    /// A day's viewers, 0 for a day with ratings only.
    let storedDays: [MonthAudit.Key: Int]
    /// Each title's stored streaks of two days or more, by run, and whether the view shows them.
    let streaks: [Int: [(run: ClosedRange<Day>, viewers: Int, shown: Bool)]]
    let range: ClosedRange<Day>
    let firstDays: [Int: Day]

    init(_ connection: PostgresConnection, shownMonths: String, shownWeeks: String) throws {
        (k, p) = try reportSettings(connection)
        func counts(_ sql: String) throws -> [MonthAudit.Key: Int] {
            try connection.query(sql).rows.reduce(into: [:]) { counts, row in
                counts[MonthAudit.Key(title: try row.decode(1, as: Int.self), day: try row.decode(0, as: Day.self))] = try row.decode(2, as: Int.self)
            }
        }
        shownDays = try counts("select day, coalesce(title_id, -1), viewers from report.title_daily")
        self.shownWeeks = try counts("select start, title, viewers from (\(shownWeeks)) w (start, title, streak_days, viewers)")
        self.shownMonths = try counts(shownMonths)
        func stored(_ kind: String) throws -> [MonthAudit.Key: Int] {
            try counts(
                """
                select p.period_start, coalesce(t.title_id, -1), p.viewers
                from analytics.fact_title_period p join analytics.dim_title t using (title_key) where p.period_kind = '\(kind)'
                """)
        }
        storedMonths = try stored("month")
        storedWeeks = try stored("week")
        storedDays = try counts("select as_of, title_ref, viewers from analytics.title_runs where streak_days = 1")
        let shownStreaks = try Set(
            connection.query("select as_of, coalesce(title_id, -1), streak_days from report.title_streaks where streak_days >= 2").rows.map {
                "\(try $0.decode(0, as: Day.self)) \(try $0.decode(1, as: Int.self)) \(try $0.decode(2, as: Int.self))"
            })
        var streaks: [Int: [(run: ClosedRange<Day>, viewers: Int, shown: Bool)]] = [:]
        for row in try connection.query("select as_of, title_ref, streak_days, viewers from analytics.title_runs where streak_days >= 2").rows {
            let (asOf, title, length) = (try row.decode(0, as: Day.self), try row.decode(1, as: Int.self), try row.decode(2, as: Int.self))
            streaks[title, default: []].append(
                (asOf.advanced(by: Int32(1 - length))...asOf, try row.decode(3, as: Int.self), shownStreaks.contains("\(asOf) \(title) \(length)")))
        }
        self.streaks = streaks
        let loaded = try connection.query(
            "select min(d.full_date), max(d.full_date) from analytics.fact_title_daily f join analytics.dim_date d using (date_key)"
        ).rows[0]
        range = try loaded.decode(0, as: Day.self)...loaded.decode(1, as: Day.self)
        firstDays = storedDays.keys.reduce(into: [Int: Day]()) { first, key in first[key.title] = min(first[key.title] ?? key.day, key.day) }
    }
}
