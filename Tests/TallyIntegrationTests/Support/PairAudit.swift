import CGLPK
import Foundation
import Tally

/// The co-viewing attacker of docs/analysts.md (I2t) with several third titles at once: for each
/// pair that the warehouse stores and `report.coviewing` hides, of two title-periods that
/// `title_weekly` / `title_monthly` show, a linear program over the people of each pattern of the
/// pair's titles and up to `thirds` third titles, under every published count among them (each
/// title's viewers and each shown pair's shared viewers, people whole), gives the least and the
/// most it can be. `AnalystChecks.pairs` takes one third or two at a time, from the expressions
/// that `LinearProgramTests` checks; this takes them together, so the combinations of three or
/// more that no expression there writes out count too.
///
/// The thirds are those whose pairs with both titles are shown, the strongest first: half of them
/// by the lower bound each gives alone (`AC + BC - C`), half by the upper (`A - AC + BC`, or
/// `B - BC + AC`). Missing pairs among the thirds constrain nothing (the attacker knows only that
/// each is below k, in a band of I2, or held back, which is no linear constraint); the pair itself
/// keeps, of its range, the values that a missing pair may take, as in `AnalystChecks.pairs`.
///
/// Each series or genre that `report.group_totals` shows and that holds one of these titles joins
/// the program: its viewers are the people on any of its titles played in the
/// period, so those on its titles here are at most that many, and at least that many less the
/// viewers of its other titles (a shown title-period's, or k - 1 for a hidden one below k: an
/// attacker told which are), exactly that many when it has no other. `GroupAudit` takes a group's
/// own titles and pairs; this takes a group together with thirds from outside it.
enum PairAudit {
    struct Findings {
        /// Hidden pairs taken, and those with at least one third.
        var pairs = 0
        var withThirds = 0
        /// Pairs whose range the program narrows below the one-third bounds.
        var tighter = 0
        /// Pairs with a shown group among their titles, and those whose range the groups narrow
        /// below the program's without them.
        var withGroups = 0
        var tighterByGroups = 0
        var narrowed: [NarrowedCount] = []
        /// Pairs whose stored count lies outside the program's range, or whose program failed.
        var wrong: [String] = []
    }

    private struct Pair: Hashable {
        var a: Int
        var b: Int
        init(_ x: Int, _ y: Int) { (a, b) = (min(x, y), max(x, y)) }
    }

    /// The pairs that `report.coviewing` shows.
    static let reportPairs = """
        select period, period_start, title_a_id, title_b_id, shared_viewers from report.coviewing
        where title_a_id is not null and title_b_id is not null
        """
    /// Every stored pair of k or more viewers, as if no rule hid one: the control's.
    static let everyPairOfK = """
        select v.period_kind, v.period_start, ta.title_id, tb.title_id, v.shared_viewers
        from analytics.fact_coviewing v
        join analytics.dim_title ta on ta.title_key = v.title_a_key
        join analytics.dim_title tb on tb.title_key = v.title_b_key
        cross join report.settings s
        where ta.title_id is not null and tb.title_id is not null and v.shared_viewers >= s.k
        """

    /// Audits the warehouse (as a superuser), with `shownPairs` as the pairs published.
    static func audit(_ connection: PostgresConnection, shownPairs: String = reportPairs, thirds: Int = 4) throws -> Findings {
        let (k, p) = try reportSettings(connection)
        let enough = min(p, k - 1)
        var titles: [ReportPeriod: [Int: Int]] = [:]
        for row in try connection.query(
            """
            select 'week', week_start, title_id, viewers from report.title_weekly where title_id is not null
            union all
            select 'month', month_start, title_id, viewers from report.title_monthly where title_id is not null
            """
        ).rows {
            titles[try ReportPeriod(row, at: 0), default: [:]][try row.decode(2, as: Int.self)] =
                try row.decode(3, as: Int.self)
        }
        var shown: [ReportPeriod: [Pair: Int]] = [:]
        for row in try connection.query(shownPairs).rows {
            shown[try ReportPeriod(row, at: 0), default: [:]][
                Pair(try row.decode(2, as: Int.self), try row.decode(3, as: Int.self))] = try row.decode(4, as: Int.self)
        }
        let hidden = try connection.query(
            """
            select v.period_kind, v.period_start, ta.title_id, tb.title_id, v.shared_viewers
            from analytics.fact_coviewing v
            join analytics.dim_title ta on ta.title_key = v.title_a_key
            join analytics.dim_title tb on tb.title_key = v.title_b_key
            where ta.title_id is not null and tb.title_id is not null
            """
        ).rows.compactMap { row -> (ReportPeriod, Pair, Int)? in
            let period = try ReportPeriod(row, at: 0)
            let pair = Pair(try row.decode(2, as: Int.self), try row.decode(3, as: Int.self))
            guard let published = titles[period], published[pair.a] != nil, published[pair.b] != nil, shown[period]?[pair] == nil else { return nil }
            return (period, pair, try row.decode(4, as: Int.self))
        }

        let shownGroups = try GroupAudit.groups(connection, GroupAudit.reportGroups)
        let members = try GroupAudit.members(connection)
        // Each title-period's stored viewers, for the groups' titles that no title view shows.
        let stored = try connection.query(
            "select p.period_kind, p.period_start, t.title_id, p.viewers from analytics.fact_title_period p join analytics.dim_title t using (title_key) where t.title_id is not null"
        ).rows.reduce(into: [ReportPeriod: [Int: Int]]()) { stored, row in
            stored[try ReportPeriod(row, at: 0), default: [:]][try row.decode(2, as: Int.self)] = try row.decode(3, as: Int.self)
        }

        var findings = Findings()
        for (period, pair, shared) in hidden {
            findings.pairs += 1
            let viewers = titles[period]!
            let pairs = shown[period] ?? [:]
            let (va, vb) = (viewers[pair.a]!, viewers[pair.b]!)
            // Each third with both pairs shown, and the bounds it gives alone.
            let candidates = viewers.keys.compactMap { c -> (c: Int, least: Int, most: Int)? in
                guard c != pair.a, c != pair.b, let ac = pairs[Pair(pair.a, c)], let bc = pairs[Pair(pair.b, c)] else { return nil }
                return (c, ac + bc - viewers[c]!, min(va - ac + bc, vb - bc + ac))
            }
            // Without a third, only the groups can say more than the titles do.
            if !candidates.isEmpty { findings.withThirds += 1 }
            let oneThird = max(0, candidates.map(\.least).max() ?? 0)...min(va, vb, candidates.map(\.most).min() ?? vb)
            let byLeast = candidates.sorted { ($0.least, $1.c) > ($1.least, $0.c) }.prefix(thirds / 2).map(\.c)
            let byMost = candidates.sorted { ($0.most, $0.c) < ($1.most, $1.c) }.map(\.c).filter { !byLeast.contains($0) }.prefix(thirds - byLeast.count)
            let items = [pair.a, pair.b] + byLeast + byMost
            let patterns = Patterns(items: items.count)
            var constraints: [PatternProgram.Constraint] = items.indices.map { (patterns.including(1 << $0), .equal, Double(viewers[items[$0]]!)) }
            for i in items.indices {
                for j in items.indices where j > i && (i, j) != (0, 1) {
                    if let value = pairs[Pair(items[i], items[j])] { constraints.append((patterns.including(1 << i | 1 << j), .equal, Double(value))) }
                }
            }
            // The shown groups that hold one of these titles: their people on these titles.
            var byGroups: [PatternProgram.Constraint] = []
            for (group, played) in members[period] ?? [:] {
                guard let groupViewers = shownGroups[period]?[group] else { continue }
                let mask = items.indices.filter { played.contains(items[$0]) }.reduce(0) { $0 | 1 << $1 }
                guard mask != 0 else { continue }
                // The most the group's other titles hold: nil when one is hidden with k or more.
                let others = played.subtracting(items).reduce(Optional(0)) { sum, title in
                    // A hidden one below k: k - 1 (one stored with no viewer, which the view
                    // does not count among the group's titles, adds nobody).
                    let hidden = stored[period]?[title] ?? k
                    let most = viewers[title] ?? (hidden == 0 ? 0 : hidden < k ? k - 1 : nil)
                    return sum.flatMap { sum in most.map { sum + $0 } }
                }
                if others == 0 {
                    byGroups.append((patterns.touching(mask), .equal, Double(groupViewers)))
                } else {
                    byGroups.append((patterns.touching(mask), .atMost, Double(groupViewers)))
                    if let others, others < groupViewers { byGroups.append((patterns.touching(mask), .atLeast, Double(groupViewers - others))) }
                }
            }
            guard !candidates.isEmpty || !byGroups.isEmpty else { continue }
            let objective = patterns.including(0b11)
            var what =
                "the pair \(pair.a), \(pair.b), \(period.kind) of \(period.start)"
                + (items.count > 2 ? ", with titles \(items.dropFirst(2).map(String.init).joined(separator: ", "))" : "")
            func range(_ constraints: [PatternProgram.Constraint]) -> (Int, Int)? {
                let program = LinearProgram(variables: patterns.count, constraints: constraints)
                guard let low = program.optimum(of: objective, GLP_MIN), let high = program.optimum(of: objective, GLP_MAX) else { return nil }
                return (Int(low.rounded()), Int(high.rounded()))
            }
            guard var (least, most) = range(constraints) else {
                findings.wrong.append("\(what): no optimum")
                continue
            }
            let beyondOneThird = least > oneThird.lowerBound || most < oneThird.upperBound
            if !byGroups.isEmpty {
                findings.withGroups += 1
                guard let (low, high) = range(constraints + byGroups) else {
                    findings.wrong.append("\(what), with its groups: no optimum")
                    continue
                }
                if low > least || high < most { findings.tighterByGroups += 1 }
                (least, most) = (low, high)
                what += ", and its groups"
            }
            guard (least...max(least, most)).contains(shared) else {
                findings.wrong.append("\(what): \(shared) outside \(least)...\(most)")
                continue
            }
            if beyondOneThird { findings.tighter += 1 }
            // The values a missing pair may take: below k, or 1 to k - 1 short of a title (I2); any
            // value, for a pair that I2 shows and I2t holds back.
            let heldBack = shared >= k && (va == shared || va - shared >= k) && (vb == shared || vb - shared >= k)
            let values = (least...most).filter { heldBack || $0 < k || (1..<k).contains(va - $0) || (1..<k).contains(vb - $0) }.count
            if values < enough { findings.narrowed.append(NarrowedCount(what: what, viewers: shared, least: least, most: most)) }
        }
        return findings
    }
}
