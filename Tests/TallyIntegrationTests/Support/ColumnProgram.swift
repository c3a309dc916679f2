import CGLPK

/// What column generation needs of a kind of pattern (a month's days, a group's titles): which
/// counts and targets count a pattern, the patterns to start from, and the pricing problem.
protocol Pricing {
    associatedtype Pattern: Hashable
    associatedtype Count
    associatedtype Target

    /// The patterns the program starts from: one for each item.
    var seeds: [Pattern] { get }
    func count(_ count: Count, has pattern: Pattern) -> Bool
    func target(_ target: Target, has pattern: Pattern) -> Bool
    /// Non-empty patterns with large sums of the weights of the counts that have them (and of the
    /// target's weight, if it has them), best first, with those sums. Exact in the sense the
    /// master needs: when some pattern that `isNew` has a positive sum, one with a positive sum is
    /// returned; when none has, the largest sum is. Nil when the search did not finish.
    func best(_ weights: [(count: Count, weight: Double)], target: (target: Target, weight: Double)?, isNew: (Pattern) -> Bool) -> [(
        pattern: Pattern, gain: Double
    )]?
}

/// The attacker's linear program over every pattern of some items, too many to write down, solved
/// by column generation: the simplex runs over the patterns found so far, and the pricing problem
/// finds the patterns whose columns would improve it most, until none would. Each optimum is
/// therefore the optimum over every pattern. People are not whole here (it is the relaxation): a
/// range it gives can only be wider than the whole-number attacker's, so a count it narrows is
/// narrowed, and a count it leaves wide may not be.
///
/// GLPK keeps its state per thread: create, solve and drop a program within one synchronous call.
final class ColumnProgram<P: Pricing> {
    private let problem: OpaquePointer
    private var simplex = glp_smcp()
    private let pricing: P
    private let rows: [(count: P.Count, relation: LinearProgram.Relation, value: Double)]
    /// The pattern of each column after the artificial ones, and the columns by pattern.
    private var patterns: [P.Pattern] = []
    private var columns: [P.Pattern: Int32] = [:]
    private let artificials: Int
    /// Fractional points that satisfy the constraints, as pattern and people: values the relaxed
    /// attacker cannot rule out.
    private var points: [[(pattern: P.Pattern, people: Double)]] = []
    /// Optima that did not converge within the iteration limit.
    private(set) var unsettled = 0
    /// Whether some point satisfies the constraints (decided on creation).
    private(set) var isFeasible = false

    init(_ pricing: P, constraints: [(count: P.Count, relation: LinearProgram.Relation, value: Double)]) {
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        self.pricing = pricing
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
        for pattern in pricing.seeds { add(pattern) }
        glp_set_obj_dir(problem, GLP_MIN)
        guard let phaseOne = converge(target: nil, GLP_MIN) else { return }
        isFeasible = phaseOne < 1e-6
        for j in 0..<artificials { glp_set_col_bnds(problem, Int32(j + 1), GLP_FX, 0, 0) }
        for j in 0..<artificials { glp_set_obj_coef(problem, Int32(j + 1), 0) }
    }

    deinit { glp_delete_prob(problem) }

    private func add(_ pattern: P.Pattern) {
        guard columns[pattern] == nil else { return }
        let column = glp_add_cols(problem, 1)
        glp_set_col_bnds(problem, column, GLP_LO, 0, 0)
        let indices = rows.indices.filter { pricing.count(rows[$0].count, has: pattern) }
        glp_set_mat_col(problem, column, Int32(indices.count), [0] + indices.map { Int32($0 + 1) }, [0] + indices.map { _ in 1.0 })
        patterns.append(pattern)
        columns[pattern] = column
    }

    /// Simplex, then the best new patterns by the duals, until none improves the objective.
    private func converge(target: P.Target?, _ direction: Int32) -> Double? {
        for _ in 0..<20_000 {
            // Unbounded over the patterns so far is unbounded over all: no optimum, and not unsettled
            // (a hidden group with a hidden title of k or more has no most).
            let solved = glp_simplex(problem, &simplex) == 0
            if solved && glp_get_status(problem) == GLP_UNBND { return nil }
            guard solved, glp_get_status(problem) == GLP_OPT else {
                unsettled += 1
                return nil
            }
            // A column's reduced cost is its objective coefficient less the duals of its rows: the
            // best pattern maximises (the duals less the coefficient) when minimising, and the
            // reverse when maximising.
            let sign: Double = direction == GLP_MIN ? 1 : -1
            let weights = rows.indices.map { (count: rows[$0].count, weight: sign * glp_get_row_dual(problem, Int32($0 + 1))) }
            guard let found = pricing.best(weights, target: target.map { ($0, -sign) }, isNew: { self.columns[$0] == nil }) else {
                unsettled += 1
                return nil
            }
            let improving = found.filter { $0.gain > 1e-9 && columns[$0.pattern] == nil }
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
                if let target { glp_set_obj_coef(problem, columns[pattern]!, pricing.target(target, has: pattern) ? 1 : 0) }
            }
        }
        unsettled += 1
        return nil
    }
}

extension ColumnProgram: AttackerProgram {
    /// The least (`GLP_MIN`) or the most (`GLP_MAX`) of the people that `target` counts; nil when
    /// the constraints admit no point, when they set no bound, or when the optimum did not converge.
    func optimum(of target: P.Target, _ direction: Int32) -> Double? {
        guard isFeasible else { return nil }
        for (pattern, column) in columns { glp_set_obj_coef(problem, column, pricing.target(target, has: pattern) ? 1 : 0) }
        glp_set_obj_dir(problem, direction)
        return converge(target: target, direction)
    }

    /// The least and the most of `target` over the points found so far: values the relaxed attacker
    /// cannot rule out, so its rounded range holds at least these.
    func witnessed(_ target: P.Target) -> ClosedRange<Int>? {
        let values = points.map { point in point.reduce(0.0) { $0 + (pricing.target(target, has: $1.pattern) ? $1.people : 0) } }
        guard let least = values.min(), let most = values.max() else { return nil }
        let low = Int((least - 1e-6).rounded(.up))
        let high = Int((most + 1e-6).rounded(.down))
        return low <= high ? low...high : nil
    }
}
