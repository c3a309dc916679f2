import CGLPK

/// The people of a month counted by a run of its days: those on every day of it (a day, a streak)
/// or those on some day of it (a week, the month). Day i of the month is bit i of a pattern.
struct DayCount: Hashable {
    var days: ClosedRange<Int>
    var every: Bool

    static func day(_ day: Int) -> DayCount { DayCount(days: day...day, every: true) }

    func counts(_ pattern: UInt32) -> Bool {
        let mask = UInt32((1 << (days.upperBound + 1)) - (1 << days.lowerBound))
        return every ? pattern & mask == mask : pattern & mask != 0
    }
}

/// What a range is sought for: the people of a count, or the people with days in at least m of the
/// month's parts (its weeks, or its days), each part given as the pattern of its days, in order.
enum DayTarget {
    case count(DayCount)
    case atLeast(Int, of: [UInt32])

    func counts(_ pattern: UInt32) -> Bool {
        switch self {
        case .count(let count): return count.counts(pattern)
        case .atLeast(let m, let parts):
            var touched = 0
            for part in parts where pattern & part != 0 {
                touched += 1
                if touched == m { return true }
            }
            return false
        }
    }
}

/// The attacker's linear program over a month's patterns of days (2^30 of them), solved by column
/// generation: the simplex runs over the patterns found so far, and a dynamic program over the days
/// finds, for each last day, the pattern whose column would improve it most (the pricing problem,
/// exact here because each count is a run of days), until none would. Each optimum is therefore the
/// optimum over every pattern. People are not whole here (it is the relaxation): a range it gives can
/// only be wider than the whole-number attacker's, so a count it narrows is narrowed, and a count it
/// leaves wide may not be.
///
/// GLPK keeps its state per thread: create, solve and drop a program within one synchronous call.
final class DayPatternProgram {
    private let problem: OpaquePointer
    private var simplex = glp_smcp()
    private let days: Int
    private let rows: [(count: DayCount, relation: LinearProgram.Relation, value: Double)]
    /// The pattern of each column after the artificial ones, and the columns by pattern.
    private var patterns: [UInt32] = []
    private var columns: [UInt32: Int32] = [:]
    private let artificials: Int
    /// Fractional points that satisfy the constraints, as pattern and people: values the relaxed
    /// attacker cannot rule out.
    private var points: [[(pattern: UInt32, people: Double)]] = []
    /// Optima that did not converge within the iteration limit.
    private(set) var unsettled = 0
    /// Whether some point satisfies the constraints (decided on creation).
    private(set) var isFeasible = false

    init(days: Int, constraints: [(count: DayCount, relation: LinearProgram.Relation, value: Double)]) {
        precondition((1...31).contains(days))
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        self.days = days
        rows = constraints
        glp_init_smcp(&simplex)
        simplex.msg_lev = GLP_MSG_OFF
        if !constraints.isEmpty { glp_add_rows(problem, Int32(constraints.count)) }
        for (i, row) in constraints.enumerated() { glp_set_row_bnds(problem, Int32(i + 1), row.relation.rowType, row.value, row.value) }
        // Phase one: an artificial column for each row that no people would meet, its sum minimised.
        let needy = constraints.indices.filter { constraints[$0].relation != .atMost && constraints[$0].value > 0 }
        artificials = needy.count
        if !needy.isEmpty {
            glp_add_cols(problem, Int32(needy.count))
            for (j, i) in needy.enumerated() {
                glp_set_col_bnds(problem, Int32(j + 1), GLP_LO, 0, 0)
                glp_set_obj_coef(problem, Int32(j + 1), 1)
                glp_set_mat_col(problem, Int32(j + 1), 1, [0, Int32(i + 1)], [0, 1])
            }
        }
        for day in 0..<days { add(UInt32(1) << day) }
        glp_set_obj_dir(problem, GLP_MIN)
        guard let phaseOne = converge(target: nil, GLP_MIN) else { return }
        isFeasible = phaseOne < 1e-6
        for j in 0..<artificials { glp_set_col_bnds(problem, Int32(j + 1), GLP_FX, 0, 0) }
        for j in 0..<artificials { glp_set_obj_coef(problem, Int32(j + 1), 0) }
    }

    deinit { glp_delete_prob(problem) }

    private func add(_ pattern: UInt32) {
        guard columns[pattern] == nil else { return }
        let column = glp_add_cols(problem, 1)
        glp_set_col_bnds(problem, column, GLP_LO, 0, 0)
        let indices = rows.indices.filter { rows[$0].count.counts(pattern) }
        glp_set_mat_col(problem, column, Int32(indices.count), [0] + indices.map { Int32($0 + 1) }, [0] + indices.map { _ in 1.0 })
        patterns.append(pattern)
        columns[pattern] = column
    }

    /// The least (`GLP_MIN`) or the most (`GLP_MAX`) of the people that `target` counts; nil when
    /// the constraints admit no point, or the optimum did not converge.
    func optimum(of target: DayTarget, _ direction: Int32) -> Double? {
        guard isFeasible else { return nil }
        for (pattern, column) in columns { glp_set_obj_coef(problem, column, target.counts(pattern) ? 1 : 0) }
        glp_set_obj_dir(problem, direction)
        return converge(target: target, direction)
    }

    /// The least and the most of `target` over the points found so far: values the relaxed attacker
    /// cannot rule out, so its rounded range holds at least these.
    func witnessed(_ target: DayTarget) -> ClosedRange<Int>? {
        let values = points.map { point in point.reduce(0.0) { $0 + (target.counts($1.pattern) ? $1.people : 0) } }
        guard let least = values.min(), let most = values.max() else { return nil }
        let low = Int((least - 1e-6).rounded(.up))
        let high = Int((most + 1e-6).rounded(.down))
        return low <= high ? low...high : nil
    }

    /// Simplex, then the best new patterns by the duals, until none improves the objective.
    private func converge(target: DayTarget?, _ direction: Int32) -> Double? {
        for _ in 0..<20_000 {
            guard glp_simplex(problem, &simplex) == 0, glp_get_status(problem) == GLP_OPT else {
                unsettled += 1
                return nil
            }
            // A column's reduced cost is its objective coefficient less the duals of its rows: the
            // best pattern maximises (the duals less the coefficient) when minimising, and the
            // reverse when maximising.
            let sign: Double = direction == GLP_MIN ? 1 : -1
            let weights = rows.indices.map { (count: rows[$0].count, weight: sign * glp_get_row_dual(problem, Int32($0 + 1))) }
            let improving = best(weights, target.map { ($0, -sign) }).filter { $0.gain > 1e-9 && columns[$0.pattern] == nil }
            if improving.isEmpty {
                if points.count < 64 {
                    points.append(
                        patterns.compactMap { pattern in
                            let people = glp_get_col_prim(problem, columns[pattern]!)
                            return people > 1e-9 ? (pattern, people) : nil
                        })
                }
                return glp_get_obj_val(problem)
            }
            for (pattern, _) in improving.prefix(8) {
                add(pattern)
                if let target { glp_set_obj_coef(problem, columns[pattern]!, target.counts(pattern) ? 1 : 0) }
            }
        }
        unsettled += 1
        return nil
    }

    /// For each last day on, the non-empty pattern of days with the largest sum of the weights of the
    /// counts it is in, and of the target's weight if it is in the target, by a dynamic program over its last day on, the
    /// first day of the run that ends there and (for a target of m parts) the parts it has touched.
    private func best(_ weights: [(count: DayCount, weight: Double)], _ target: (target: DayTarget, weight: Double)?) -> [(pattern: UInt32, gain: Double)] {
        let n = days
        var weights = weights
        var parts = [Int](repeating: 0, count: n)
        var m = 0
        switch target {
        case (.count(let count), let weight)?: weights.append((count, weight))
        case (.atLeast(let least, let of), _)?:
            // The program counts a part when a day on lies in another part than the day on before
            // it: the parts must be runs of days, in order, that cover the month.
            precondition(of.reduce(0, |) == UInt32((1 << n) - 1) && zip(of, of.dropFirst()).allSatisfy { $0 < $1 && $0 & $1 == 0 })
            precondition(of.allSatisfy { ($0 >> $0.trailingZeroBitCount) & (($0 >> $0.trailingZeroBitCount) + 1) == 0 })
            m = least
            for (i, part) in of.enumerated() { for d in 0..<n where part & 1 << d != 0 { parts[d] = i } }
        case nil: break
        }
        // every[d * (n + 1) + s]: the weights of the streaks that end on d and lie in a run from s;
        // some[d * (n + 1) + last + 1]: those of the weeks or months of d not touched before d when
        // the previous day on is `last` (-1: none). Both are sums over the counts' first days from
        // an index on.
        var every = [Double](repeating: 0, count: n * (n + 1))
        var some = [Double](repeating: 0, count: n * (n + 1))
        for (count, weight) in weights where weight != 0 {
            if count.every {
                every[count.days.upperBound * (n + 1) + count.days.lowerBound] += weight
            } else {
                for d in count.days { some[d * (n + 1) + count.days.lowerBound] += weight }
            }
        }
        for d in 0..<n {
            var sum = 0.0
            for s in stride(from: d, through: 0, by: -1) {
                sum += every[d * (n + 1) + s]
                every[d * (n + 1) + s] = sum
            }
            sum = 0
            for first in stride(from: d, through: 0, by: -1) {
                sum += some[d * (n + 1) + first]
                some[d * (n + 1) + first] = sum
            }
        }
        // A state is a last day on d, its run's first day s and the parts touched c (at most m):
        // value[(d * n + s) * width + c] is the best pattern in it, from[...] its previous state (-1: none).
        let width = m + 1
        let touched = { (c: Int, same: Bool) in min(m, c + (same ? 0 : 1)) }
        var value = [Double](repeating: -.infinity, count: n * n * width)
        var from = [Int](repeating: -1, count: n * n * width)
        // The best state of each last day d and parts c, over run starts.
        var bestAt = [Int](repeating: -1, count: n * width)
        for d in 0..<n {
            func reach(_ state: Int, _ candidate: Double, _ previous: Int) {
                if candidate > value[state] {
                    value[state] = candidate
                    from[state] = previous
                }
            }
            for s in 0..<d {
                for c in 0..<width where value[((d - 1) * n + s) * width + c] > -.infinity {
                    let previous = ((d - 1) * n + s) * width + c
                    reach(
                        (d * n + s) * width + touched(c, parts[d] == parts[d - 1]), value[previous] + every[d * (n + 1) + s] + some[d * (n + 1) + d], previous)
                }
            }
            reach((d * n + d) * width + min(m, 1), every[d * (n + 1) + d] + some[d * (n + 1)], -1)
            for last in stride(from: 0, to: d - 1, by: 1) {
                for c in 0..<width where bestAt[last * width + c] >= 0 {
                    let previous = bestAt[last * width + c]
                    reach(
                        (d * n + d) * width + touched(c, parts[d] == parts[last]), value[previous] + every[d * (n + 1) + d] + some[d * (n + 1) + last + 1],
                        previous)
                }
            }
            for s in 0...d {
                for c in 0..<width where value[(d * n + s) * width + c] > -.infinity {
                    if bestAt[d * width + c] < 0 || value[(d * n + s) * width + c] > value[bestAt[d * width + c]] {
                        bestAt[d * width + c] = (d * n + s) * width + c
                    }
                }
            }
        }
        // The target of m parts adds its weight to the states that touched m. The best pattern of
        // each last day comes back, best first: adding several columns a round saves rounds.
        let bonus = m > 0 ? target!.weight : 0
        var found: [(pattern: UInt32, gain: Double)] = []
        for d in 0..<n {
            var winner = -1
            var most = -Double.infinity
            for c in 0..<width where bestAt[d * width + c] >= 0 {
                let total = value[bestAt[d * width + c]] + (m > 0 && c == m ? bonus : 0)
                if total > most { (winner, most) = (bestAt[d * width + c], total) }
            }
            guard winner >= 0 else { continue }
            var pattern: UInt32 = 0
            var state = winner
            while state >= 0 {
                pattern |= 1 << (state / width / n)
                state = from[state]
            }
            found.append((pattern, most))
        }
        return found.sorted { $0.gain > $1.gain }
    }
}
