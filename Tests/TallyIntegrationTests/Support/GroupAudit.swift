import Foundation
import Tally

/// The attacker of docs/analysts.md (I6), who takes all the counts that the report views publish
/// about a series or genre in a week or month together: a linear program over the number of people
/// with each pattern of the group's titles played in the period. What the attacker knows:
/// - a shown group's viewers, a shown title-period's viewers and a shown pair's shared viewers, exactly;
/// - a shown group whose titles (with a play in the period) all belong to this one, such as a series
///   inside its genre, as the people who played any of them;
/// - a hidden title-period of fewer than k viewers, as at most k - 1 (an attacker told which hidden
///   titles are below k; the rules hide larger ones too, and those get no bound).
///
/// For each hidden group (this one, or one inside it), title-period and pair that the warehouse
/// stores, the least and the most the program allows are the attacker's range; and a pattern of
/// titles pinned between 1 and k - 1, to fewer than p values, is a small group singled out. The
/// program counts people whole, and it leaves out other periods and, unless `days` are given, the
/// titles' days: with them, each hidden title-week's program by days joins its group-week's
/// program, tied by the title's people (a shown title-week's people are a published number, which ties nothing;
/// a title's days meet other titles' counts only there). A group with
/// more than `maxTitles` titles played in the period has too many patterns (2^n) to write down: it
/// is taken by column generation, people not whole, up to `largerByColumns` titles and
/// `largestByColumns` published counts, and skipped and counted beyond.
enum GroupAudit {
    /// The report view's groups, for `audit(_:shownGroups:)`.
    static let reportGroups = "select grouping, name, period, period_start, viewers from report.group_totals"
    /// Every stored group of k or more viewers, as if no rule hid a group: the control's.
    static let everyGroupOfK = """
        select g.grouping, g.name, g.period_kind, g.period_start, g.viewers
        from analytics.fact_group_period g cross join report.settings s where g.viewers >= s.k
        """

    /// The report views' title-periods and pairs, for `audit(_:shownGroups:shownCounts:)`.
    static let reportCounts = """
        select 'week', week_start, title_id, -1, viewers from report.title_weekly where title_id is not null
        union all
        select 'month', month_start, title_id, -1, viewers from report.title_monthly where title_id is not null
        union all
        select period, period_start, least(title_a_id, title_b_id), greatest(title_a_id, title_b_id), max(shared_viewers)
        from report.coviewing group by 1, 2, 3, 4
        """
    /// Every stored title-period and pair of k or more viewers: the control's.
    static let everyCountOfK = """
        select c.* from (\(storedCounts)) c (kind, start, a, b, viewers) cross join report.settings s where c.viewers >= s.k
        """
    private static let storedCounts = """
        select p.period_kind, p.period_start, t.title_id, -1, p.viewers
        from analytics.fact_title_period p join analytics.dim_title t using (title_key) where t.title_id is not null
        union all
        select c.period_kind, c.period_start, least(a.title_id, b.title_id), greatest(a.title_id, b.title_id), c.shared_viewers
        from analytics.fact_coviewing c
        join analytics.dim_title a on a.title_key = c.title_a_key
        join analytics.dim_title b on b.title_key = c.title_b_key
        """

    struct Group: Hashable {
        var grouping: String
        var name: String
    }

    /// The groups of `sql` (grouping, name, period kind, period start, viewers) by period.
    static func groups(_ connection: PostgresConnection, _ sql: String) throws -> [ReportPeriod: [Group: Int]] {
        try connection.query(sql).rows.reduce(into: [:]) { groups, row in
            let period = try ReportPeriod(row, at: 2)
            groups[period, default: [:]][Group(grouping: try row.decode(0, as: String.self), name: try row.decode(1, as: String.self))] =
                try row.decode(4, as: Int.self)
        }
    }

    /// Each group's titles with a play in each period. A title belongs to the groups of its
    /// title-period's key: a title that moved to another series belongs to the new one from then on.
    static func members(_ connection: PostgresConnection) throws -> [ReportPeriod: [Group: Set<Int>]] {
        try connection.query(
            """
            select p.period_kind, p.period_start, x.grouping, x.name, t.title_id
            from analytics.fact_title_period p
            join analytics.dim_title t using (title_key)
            cross join lateral (values ('series', t.series_name), ('genre', t.genre)) x (grouping, name)
            where x.name is not null and t.title_id is not null
            """
        ).rows.reduce(into: [:]) { members, row in
            let period = try ReportPeriod(row, at: 0)
            members[period, default: [:]][Group(grouping: try row.decode(2, as: String.self), name: try row.decode(3, as: String.self)), default: []]
                .insert(try row.decode(4, as: Int.self))
        }
    }

    /// Audits every group-period of the warehouse of at most `maxTitles` titles (as a superuser),
    /// with `shownGroups` as the groups published and `shownCounts` as the title-periods and pairs;
    /// and those of up to `largerByColumns` titles by column generation (`ColumnProgram` with
    /// `TitlePricing`): the relaxation, which checks the hidden counts, the people with at least m
    /// titles or exactly m, and the patterns of titles that every point found puts between 1 and k - 1.
    /// Those start from the people's own patterns of titles (read from `private.activity`), unless
    /// `startFromPeople` is false, as the benchmark's baseline does; and one with more than
    /// `largestByColumns` published counts is skipped and counted.
    static func audit(
        _ connection: PostgresConnection, shownGroups: String = reportGroups, shownCounts: String = reportCounts, maxTitles: Int = 10, largerByColumns: Int = 0,
        largestByColumns: Int = .max, days: WeekAudit.Weeks? = nil, startFromPeople: Bool = true
    ) throws -> (
        findings: AuditFindings, skipped: Int
    ) {
        let (k, p) = try reportSettings(connection)
        /// Title-periods (one title id) and pairs (two, the lesser first; -1 for a title-period).
        func counts(_ sql: String) throws -> [ReportPeriod: [[Int]: Int]] {
            try connection.query(sql).rows.reduce(into: [:]) { counts, row in
                let b = try row.decode(3, as: Int.self)
                let titles = b < 0 ? [try row.decode(2, as: Int.self)] : [try row.decode(2, as: Int.self), b]
                counts[try ReportPeriod(row, at: 0), default: [:]][titles] =
                    try row.decode(4, as: Int.self)
            }
        }
        let storedGroups = try groups(connection, "select grouping, name, period_kind, period_start, viewers from analytics.fact_group_period")
        let shownGroups = try groups(connection, shownGroups)
        let stored = try counts(storedCounts)
        let shown = try counts(shownCounts)
        let members = try members(connection)

        var findings = AuditFindings()
        var skipped = 0
        for (period, periodGroups) in storedGroups {
            let storedCounts = stored[period] ?? [:]
            let shownCounts = shown[period] ?? [:]
            // Each group's titles with a play in the period.
            let played = members[period] ?? [:]
            for (group, viewers) in periodGroups {
                let titles = (played[group] ?? []).sorted()
                guard !titles.isEmpty else { continue }
                guard titles.count <= maxTitles || titles.count <= largerByColumns else {
                    skipped += 1
                    continue
                }
                let bits = Dictionary(uniqueKeysWithValues: titles.enumerated().map { ($1, $0) })
                func count(_ some: [Int], every: Bool) -> TitleCount {
                    TitleCount(titles: TitleSet(items: titles.count, titles: some.map { bits[$0]! }), every: every)
                }
                var constraints: [(count: TitleCount, relation: LinearProgram.Relation, value: Double)] = []
                var targets: [(what: String, viewers: Int, objective: TitleCount)] = []
                let everyone = count(titles, every: false)
                if let shownViewers = shownGroups[period]?[group] {
                    constraints.append((everyone, .equal, Double(shownViewers)))
                } else {
                    targets.append(("the \(group.grouping)", viewers, everyone))
                }
                // The groups inside this one (a series inside its genre): shown, they are its people
                // on any of their titles; hidden, they are counts to narrow here too.
                for (other, otherTitles) in played where other != group && !otherTitles.isEmpty && otherTitles.isSubset(of: titles) {
                    let objective = count(Array(otherTitles), every: false)
                    if let otherViewers = shownGroups[period]?[other] {
                        constraints.append((objective, .equal, Double(otherViewers)))
                    } else if let storedViewers = periodGroups[other] {
                        targets.append(("the \(other.grouping) \(other.name)", storedViewers, objective))
                    }
                }
                for (i, title) in titles.enumerated() {
                    for other in titles[i...] {
                        let key = other == title ? [title] : [title, other]
                        let objective = count(key, every: true)
                        if let shownViewers = shownCounts[key] {
                            constraints.append((objective, .equal, Double(shownViewers)))
                        } else if let storedViewers = storedCounts[key] {
                            if key.count == 1 && storedViewers < k { constraints.append((objective, .atMost, Double(k - 1))) }
                            targets.append((key.count == 1 ? "title \(title)" : "the pair \(title), \(other)", storedViewers, objective))
                        }
                    }
                }
                let unit = "\(group.grouping) \(group.name), \(period.kind) of \(period.start)"
                guard titles.count <= maxTitles else {
                    guard constraints.count <= largestByColumns else {
                        skipped += 1
                        continue
                    }
                    // The people's own patterns meet every published count (unless co-viewing is
                    // bounded per person): the program starts from them (any start gives the same
                    // optima; this one spares the phase one its rounds).
                    let people =
                        !startFromPeople
                        ? []
                        : try connection.query(
                            """
                            select distinct titles from (
                                select string_agg(distinct a.title_id::text, ',' order by a.title_id::text) titles from private.activity a
                                where a.day >= $1 and a.day < $1 + case $2 when 'week' then interval '7 days' else interval '1 month' end
                                  and a.title_id in (\(titles.map(String.init).joined(separator: ", ")))
                                group by a.person_key
                            ) people
                            """, [period.start, period.kind]
                        ).rows.map { row in
                            TitleSet(items: titles.count, titles: try row.decode(0, as: String.self).split(separator: ",").map { bits[Int($0)!]! })
                        }
                    findings.solveByColumns(
                        unit, pricing: TitlePricing(titles: titles.count), constraints: constraints,
                        targets: targets.map { ($0.what, $0.viewers, .count($0.objective)) },
                        groups: (2..<(titles.count + 1)).map { ("the people on at least \($0) of them", .atLeast($0)) }
                            + (1..<titles.count).map { ("the people on exactly \($0) of them", .exactly($0)) }, k: k, p: p,
                        seeds: people,
                        name: { pattern in "titles " + pattern.titles.map { "\(titles[$0])" }.joined(separator: ", ") })
                    continue
                }
                let patterns = Patterns(items: titles.count)
                func dense(_ count: TitleCount) -> [Double] {
                    (1...patterns.count).map { pattern in
                        count.counts(TitleSet(items: titles.count, titles: titles.indices.filter { pattern & 1 << $0 != 0 })) ? 1 : 0
                    }
                }
                let program = PatternProgram(
                    patterns: patterns, constraints: constraints.map { (dense($0.count), $0.relation, $0.value) },
                    targets: targets.map { ($0.what, $0.viewers, dense($0.objective)) },
                    name: { pattern in "titles " + titles.indices.filter { pattern & 1 << $0 != 0 }.map { "\(titles[$0])" }.joined(separator: ", ") })
                // A hidden title-week's people are those of its days: with `days`, each one's
                // program by days joins the group's, tied by the title's people. Hidden is as this
                // program has it (a week that `days` shows is a constraint there, which ties the same).
                let withDays =
                    days == nil || period.kind != "week" ? [] : titles.indices.filter { shownCounts[[titles[$0]]] == nil && storedCounts[[titles[$0]]] != nil }
                guard let days, !withDays.isEmpty else {
                    findings.solve(unit, program, k: k, p: p)
                    continue
                }
                let weeks = withDays.map { (prefix: "title \(titles[$0]), ", program: days.program(title: titles[$0], week: period.start)) }
                findings.solve(
                    "\(unit), with the days of titles \(withDays.map { "\(titles[$0])" }.joined(separator: ", "))",
                    PatternProgram(
                        joining: [("", program)] + weeks,
                        ties: withDays.indices.map { b in
                            (0, dense(count([titles[withDays[b]]], every: true)), b + 1, [Double](repeating: 1, count: weeks[b].program.variables))
                        }), k: k, p: p)
            }
        }
        return (findings, skipped)
    }
}
