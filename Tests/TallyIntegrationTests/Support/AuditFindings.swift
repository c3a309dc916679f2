import Foundation
import Tally

/// What an audit by linear program found: the units it took (title-weeks, group-periods), the
/// ranges it computed, the hidden counts it narrowed, and the units whose published counts no
/// pattern of people satisfies (none on person-level data), or whose search did not finish.
struct AuditFindings {
    var units = 0
    var ranges = 0
    var narrowed: [NarrowedCount] = []
    /// Groups of 1 to k - 1 people (a pattern, the people with every item of a set whatever else they
    /// have, or the people with at least m or exactly m items) that the
    /// published counts single out and size to fewer than p values (`LinearProgram.smallGroups`;
    /// viewers: -1, unknown).
    var smallGroups: [NarrowedCount] = []
    var infeasible: [String] = []

    /// Solves one unit's program over every pattern for its targets and its groups (`PatternProgram`).
    mutating func solve(_ unit: String, _ program: PatternProgram, k: Int, p: Int) {
        units += 1
        ranges += program.targets.count
        let solver = LinearProgram(variables: program.variables, constraints: program.constraints)
        guard solver.isFeasible else {
            infeasible.append(unit)
            return
        }
        narrowed += solver.narrowed(program.targets, p: p).map {
            NarrowedCount(what: "\(unit), \($0.what)", viewers: $0.viewers, least: $0.least, most: $0.most)
        }
        smallGroups += solver.smallGroups(program.groups, k: k, p: p).map {
            NarrowedCount(what: "\(unit), \($0.what)", viewers: -1, least: $0.least, most: $0.most)
        }
        if solver.unsettled > 0 { infeasible.append("\(unit) (\(solver.unsettled) searches unsettled)") }
    }

    /// Solves one unit's program by column generation over `pricing` for its targets, for `groups`
    /// (the people on at least m items, or on exactly m) and for each pattern of people (`ColumnProgram.smallPatterns`).
    mutating func solveByColumns<P: Pricing>(
        _ unit: String, pricing: P, constraints: [(count: P.Count, relation: LinearProgram.Relation, value: Double)],
        targets: [(what: String, viewers: Int, objective: P.Target)], groups: [(what: String, objective: P.Target)], k: Int, p: Int,
        seeds: [P.Pattern] = [], name: (P.Pattern) -> String
    ) {
        units += 1
        ranges += targets.count
        let program = ColumnProgram(pricing, constraints: constraints, seeds: seeds)
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

/// A week or month of the report views: its kind ('week' or 'month') and first day.
struct ReportPeriod: Hashable {
    var kind: String
    var start: Day

    /// The period of a result row whose kind is in `column` and first day in the next.
    init(_ row: PostgresRow, at column: Int) throws {
        (kind, start) = (try row.decode(column, as: String.self), try row.decode(column + 1, as: Day.self))
    }
}

/// k and the protection level p, as the views read them.
func reportSettings(_ connection: PostgresConnection) throws -> (k: Int, p: Int) {
    let row = try connection.query("select k, coalesce(protection, (k + 1) / 2) from report.settings").rows[0]
    return (try row.decode(0, as: Int.self), try row.decode(1, as: Int.self))
}

/// One unit's program over every pattern of people: its variables, the constraints that the
/// published counts set on them (dense coefficients, one per variable), the hidden counts to range,
/// and the groups of people that must not be singled out.
struct PatternProgram {
    typealias Constraint = (coefficients: [Double], relation: LinearProgram.Relation, value: Double)
    var variables: Int
    var constraints: [Constraint]
    var targets: [(what: String, viewers: Int, objective: [Double])]
    var groups: [(what: String, objective: [Double])]

    /// The program over `patterns`, its groups each pattern of people (named by `name`), the people
    /// with every item of a pattern of two or more, whatever else they have (Monday and Wednesday,
    /// say), the people with at least m items, for each m from 2, and with exactly m, for each m
    /// below the number of items.
    init(patterns: Patterns, constraints: [Constraint], targets: [(what: String, viewers: Int, objective: [Double])], name: (Int) -> String) {
        variables = patterns.count
        self.constraints = constraints
        self.targets = targets
        groups =
            (1...patterns.count).map { (what: "the people of \(name($0)) only", objective: patterns.exactly($0)) }
            + (1..<patterns.count).filter { $0.nonzeroBitCount >= 2 }.map {
                (what: "the people of \(name($0)), whatever else", objective: patterns.including($0))
            }
            + (2..<(patterns.items + 1)).map { (what: "the people on at least \($0) of them", objective: patterns.atLeast($0)) }
            + (1..<patterns.items).map { (what: "the people on exactly \($0) of them", objective: patterns.having(exactly: $0)) }
    }

    /// The programs side by side, each over its own variables (its targets and groups named with
    /// its prefix), tied by `ties`: pairs of objectives, one over each of two programs (by index),
    /// whose people are the same.
    init(joining programs: [(prefix: String, program: PatternProgram)], ties: [(a: Int, objective: [Double], b: Int, other: [Double])]) {
        let offsets = programs.reduce(into: [0]) { $0.append($0.last! + $1.program.variables) }
        let total = offsets.last!
        variables = total
        func spread(_ i: Int, _ coefficients: [Double]) -> [Double] {
            [Double](repeating: 0, count: offsets[i]) + coefficients + [Double](repeating: 0, count: total - offsets[i + 1])
        }
        constraints = programs.enumerated().flatMap { i, part in part.program.constraints.map { (spread(i, $0.coefficients), $0.relation, $0.value) } }
        constraints += ties.map { tie in (zip(spread(tie.a, tie.objective), spread(tie.b, tie.other)).map { $0 - $1 }, .equal, 0) }
        targets = programs.enumerated().flatMap { i, part in part.program.targets.map { ("\(part.prefix)\($0.what)", $0.viewers, spread(i, $0.objective)) } }
        groups = programs.enumerated().flatMap { i, part in part.program.groups.map { ("\(part.prefix)\($0.what)", spread(i, $0.objective)) } }
    }
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
