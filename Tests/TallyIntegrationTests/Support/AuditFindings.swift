import Foundation
import Tally

/// What an audit by linear program found: the units it took (title-weeks, group-periods), the
/// ranges it computed, the hidden counts it narrowed, and the units whose published counts no
/// pattern of people satisfies (none on person-level data), or whose search did not finish.
struct AuditFindings {
    var units = 0
    var ranges = 0
    var narrowed: [NarrowedCount] = []
    /// Groups of 1 to k - 1 people (a pattern, or the people with at least m or exactly m items) that the
    /// published counts single out and size to fewer than p values (`LinearProgram.smallGroups`;
    /// viewers: -1, unknown).
    var smallGroups: [NarrowedCount] = []
    var infeasible: [String] = []

    /// Solves one unit's program for its targets, for each pattern of people, and for the people
    /// with at least m of its items (days, titles), for each m from 2, and with exactly m, for each
    /// m below the number of items.
    mutating func solve(
        _ unit: String, patterns: Patterns, constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)],
        targets: [(what: String, viewers: Int, objective: [Double])], k: Int, p: Int, name: (Int) -> String
    ) {
        units += 1
        ranges += targets.count
        let program = LinearProgram(variables: patterns.count, constraints: constraints)
        guard program.isFeasible else {
            infeasible.append(unit)
            return
        }
        narrowed += program.narrowed(targets, p: p).map { NarrowedCount(what: "\(unit), \($0.what)", viewers: $0.viewers, least: $0.least, most: $0.most) }
        let groups =
            (1...patterns.count).map { (what: "the people of \(name($0)) only", objective: patterns.exactly($0)) }
            + (2..<(patterns.items + 1)).map { (what: "the people on at least \($0) of them", objective: patterns.atLeast($0)) }
            + (1..<patterns.items).map { (what: "the people on exactly \($0) of them", objective: patterns.having(exactly: $0)) }
        smallGroups += program.smallGroups(groups, k: k, p: p).map {
            NarrowedCount(what: "\(unit), \($0.what)", viewers: -1, least: $0.least, most: $0.most)
        }
        if program.unsettled > 0 { infeasible.append("\(unit) (\(program.unsettled) searches unsettled)") }
    }

    /// Solves one unit's program by column generation over `pricing` for its targets, for `groups`
    /// (the people on at least m items, or on exactly m) and for each pattern of people (`ColumnProgram.smallPatterns`).
    mutating func solveByColumns<P: Pricing>(
        _ unit: String, pricing: P, constraints: [(count: P.Count, relation: LinearProgram.Relation, value: Double)],
        targets: [(what: String, viewers: Int, objective: P.Target)], groups: [(what: String, objective: P.Target)], k: Int, p: Int,
        name: (P.Pattern) -> String
    ) {
        units += 1
        ranges += targets.count
        let program = ColumnProgram(pricing, constraints: constraints)
        guard program.isFeasible else {
            infeasible.append(program.unsettled > 0 ? "\(unit) (its first point unsettled)" : unit)
            return
        }
        narrowed += program.narrowed(targets, p: p).map { NarrowedCount(what: "\(unit), \($0.what)", viewers: $0.viewers, least: $0.least, most: $0.most) }
        smallGroups += program.smallGroups(groups, k: k, p: p).map { NarrowedCount(what: "\(unit), \($0.what)", viewers: -1, least: $0.least, most: $0.most) }
        smallGroups += program.smallPatterns(k: k, p: p).map {
            NarrowedCount(what: "\(unit), the people of \(name($0.pattern)) only", viewers: -1, least: $0.least, most: $0.most)
        }
        if program.unsettled > 0 { infeasible.append("\(unit) (\(program.unsettled) optima unsettled)") }
    }
}

/// k and the protection level p, as the views read them.
func reportSettings(_ connection: PostgresConnection) throws -> (k: Int, p: Int) {
    let row = try connection.query("select k, coalesce(protection, (k + 1) / 2) from report.settings").rows[0]
    return (try row.decode(0, as: Int.self), try row.decode(1, as: Int.self))
}

/// The people counted by the pattern of items they have (the days of a week they watched, the
/// titles of a group they played): one variable per non-empty pattern of `items` items, item i
/// being bit i of a pattern's number.
struct Patterns {
    let items: Int
    var count: Int { (1 << items) - 1 }

    /// The people who have every item of `mask`.
    func including(_ mask: Int) -> [Double] { (1...count).map { $0 & mask == mask ? 1 : 0 } }

    /// The people who have at least one item of `mask`.
    func touching(_ mask: Int) -> [Double] { (1...count).map { $0 & mask != 0 ? 1 : 0 } }

    /// Everyone.
    var all: [Double] { [Double](repeating: 1, count: count) }

    /// The people of exactly `pattern`.
    func exactly(_ pattern: Int) -> [Double] { (1...count).map { $0 == pattern ? 1 : 0 } }

    /// The people with at least `m` items.
    func atLeast(_ m: Int) -> [Double] { (1...count).map { $0.nonzeroBitCount >= m ? 1 : 0 } }

    /// The people with exactly `m` items.
    func having(exactly m: Int) -> [Double] { (1...count).map { $0.nonzeroBitCount == m ? 1 : 0 } }
}

/// A hidden count that the attacker's program pins to fewer than p values.
struct NarrowedCount: CustomStringConvertible {
    var what: String
    var viewers: Int
    var least: Int
    var most: Int
    var description: String { "\(what): \(viewers) people, pinned to \(least)...\(most)" }
}
