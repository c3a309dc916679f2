import CGLPK

/// What column generation needs of a kind of pattern (a month's days, a group's titles): which
/// counts and targets count a pattern, the patterns to start from, and the pricing problem.
protocol Pricing {
    associatedtype Pattern: Hashable
    associatedtype Count
    associatedtype Target

    /// The patterns the program starts from: one for each item.
    var seeds: [Pattern] { get }
    /// The number of items, whether a pattern has item i, the count of the people with item i, and
    /// the count of everyone: what the master needs to search the patterns other than one.
    var items: Int { get }
    func has(_ pattern: Pattern, _ item: Int) -> Bool
    func count(of item: Int) -> Count
    var everyone: Count { get }
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
    /// The artificial columns of the phase ones, fixed at 0 outside them: one that makes up for a
    /// row's shortfall, for each row that no people would meet, and one that takes a row's excess,
    /// for each row with a most (which a pattern held at some people can break; see `admits`).
    private let shortfalls: [Int32]
    private let excesses: [Int32]
    /// The pattern whose column `admits` holds within bounds, if any.
    private var held: P.Pattern?
    /// Fractional points that satisfy the constraints, as pattern and people: values the relaxed
    /// attacker cannot rule out.
    private var points: [[(pattern: P.Pattern, people: Double)]] = []
    /// Optima that did not converge within the iteration limit.
    private(set) var unsettled = 0
    /// Whether some point satisfies the constraints (decided on creation).
    private(set) var isFeasible = false

    /// `seeds`: patterns to start from beside the pricing's own (a point that meets the constraints
    /// spares the phase one its rounds); the optima are the same from any start.
    init(_ pricing: P, constraints: [(count: P.Count, relation: LinearProgram.Relation, value: Double)], seeds: [P.Pattern] = []) {
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        self.pricing = pricing
        rows = constraints
        glp_init_smcp(&simplex)
        simplex.msg_lev = GLP_MSG_OFF
        if !constraints.isEmpty { glp_add_rows(problem, Int32(constraints.count)) }
        for (i, row) in constraints.enumerated() { glp_set_row_bnds(problem, Int32(i + 1), row.relation.rowType, row.value, row.value) }
        let problem = problem
        func artificial(_ row: Int, _ coefficient: Double) -> Int32 {
            let column = glp_add_cols(problem, 1)
            glp_set_col_bnds(problem, column, GLP_FX, 0, 0)
            glp_set_mat_col(problem, column, 1, [0, Int32(row + 1)], [0, coefficient])
            return column
        }
        shortfalls = constraints.indices.filter { constraints[$0].relation != .atMost && constraints[$0].value > 0 }.map { artificial($0, 1) }
        excesses = constraints.indices.filter { constraints[$0].relation != .atLeast }.map { artificial($0, -1) }
        for pattern in pricing.seeds + seeds { add(pattern) }
        // Phase one: the shortfalls' sum minimised (no people meet every row with a most).
        guard let phaseOne = phaseOne(shortfalls) else { return }
        isFeasible = phaseOne < 1e-6
    }

    deinit { glp_delete_prob(problem) }

    /// The least sum of the artificial columns `free` (the others fixed at 0) over every pattern:
    /// 0 when some point meets the rows as they are bounded now; nil when it did not converge.
    private func phaseOne(_ free: [Int32]) -> Double? {
        for column in columns.values { glp_set_obj_coef(problem, column, 0) }
        for column in free {
            glp_set_col_bnds(problem, column, GLP_LO, 0, 0)
            glp_set_obj_coef(problem, column, 1)
        }
        defer {
            for column in free {
                glp_set_col_bnds(problem, column, GLP_FX, 0, 0)
                glp_set_obj_coef(problem, column, 0)
            }
        }
        glp_set_obj_dir(problem, GLP_MIN)
        return converge(target: nil, GLP_MIN)
    }

    /// The optimum the simplex holds, its point kept unless it is a phase one's that still needs
    /// its artificial columns (which meets no constraints).
    private func settle() -> Double {
        let artificial = (shortfalls + excesses).reduce(0.0) { $0 + glp_get_col_prim(problem, $1) }
        if points.count < 64 && artificial < 1e-6 {
            points.append(
                patterns.compactMap { pattern in
                    let people = glp_get_col_prim(problem, columns[pattern]!)
                    return people > 1e-9 ? (pattern, people) : nil
                })
        }
        return glp_get_obj_val(problem)
    }

    /// What `pricing.best` finds among the patterns other than `excluded`, searched in parts: the
    /// patterns that first differ from it at item i, for each i, with the items before i held as
    /// they are in it and item i the other way. The weights that hold them are larger than any sum
    /// the other weights can make, and cancel for a pattern that keeps the hold, so each part's best
    /// that sums to more than 0 keeps it.
    private func best(
        _ weights: [(count: P.Count, weight: Double)], target: (target: P.Target, weight: Double)?, excluding excluded: P.Pattern
    ) -> [(pattern: P.Pattern, gain: Double)]? {
        let hold = 2 * (1 + weights.reduce(0) { $0 + abs($1.weight) } + abs(target?.weight ?? 0))
        var found: [(pattern: P.Pattern, gain: Double)] = []
        for i in 0..<pricing.items {
            let kept = (0...i).map { (item: $0, on: pricing.has(excluded, $0) != ($0 == i)) }
            let on = Double(kept.filter(\.on).count)
            let holding = kept.map { (count: pricing.count(of: $0.item), weight: $0.on ? hold : -hold) } + [(pricing.everyone, -hold * on)]
            guard let part = pricing.best(weights + holding, target: target, isNew: { self.columns[$0] == nil }) else { return nil }
            found += part.filter { found in kept.allSatisfy { pricing.has(found.pattern, $0.item) == $0.on } }
        }
        return found.sorted { $0.gain > $1.gain }
    }

    private func add(_ pattern: P.Pattern) {
        guard columns[pattern] == nil else { return }
        let column = glp_add_cols(problem, 1)
        glp_set_col_bnds(problem, column, GLP_LO, 0, 0)
        let indices = rows.indices.filter { pricing.count(rows[$0].count, has: pattern) }
        glp_set_mat_col(problem, column, Int32(indices.count), [0] + indices.map { Int32($0 + 1) }, [0] + indices.map { _ in 1.0 })
        patterns.append(pattern)
        columns[pattern] = column
    }

    /// Simplex, then the best new patterns by the duals, until none improves the objective, or until
    /// a simplex point reaches `until` (see `optimum(of:_:until:)`).
    private func converge(target: P.Target?, _ direction: Int32, until: Double? = nil) -> Double? {
        for _ in 0..<20_000 {
            // Unbounded over the patterns so far is unbounded over all: no optimum, and not unsettled
            // (a hidden group with a hidden title of k or more has no most).
            let solved = glp_simplex(problem, &simplex) == 0
            if solved && glp_get_status(problem) == GLP_UNBND { return nil }
            guard solved, glp_get_status(problem) == GLP_OPT else {
                unsettled += 1
                return nil
            }
            // A phase one whose artificial columns are down to 0 has its answer: no column can
            // take the sum below 0.
            if target == nil && glp_get_obj_val(problem) < 1e-6 { return settle() }
            if let until, direction == GLP_MIN ? glp_get_obj_val(problem) <= until + 1e-4 : glp_get_obj_val(problem) >= until - 1e-4 { return settle() }
            // A column's reduced cost is its objective coefficient less the duals of its rows: the
            // best pattern maximises (the duals less the coefficient) when minimising, and the
            // reverse when maximising.
            let sign: Double = direction == GLP_MIN ? 1 : -1
            let weights = rows.indices.map { (count: rows[$0].count, weight: sign * glp_get_row_dual(problem, Int32($0 + 1))) }
            guard let found = pricing.best(weights, target: target.map { ($0, -sign) }, isNew: { self.columns[$0] == nil }) else {
                unsettled += 1
                return nil
            }
            var improving = found.filter { $0.gain > 1e-9 && columns[$0.pattern] == nil }
            // A column held at a most can gain without entering, and so hide a new pattern that
            // would gain less: the best of the other patterns decides.
            if improving.isEmpty, let held, found.contains(where: { $0.pattern == held && $0.gain > 1e-9 }) {
                guard let others = best(weights, target: target.map { ($0, -sign) }, excluding: held) else {
                    unsettled += 1
                    return nil
                }
                improving = others.filter { $0.gain > 1e-9 && columns[$0.pattern] == nil }
            }
            if improving.isEmpty { return settle() }
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
    func optimum(of target: P.Target, _ direction: Int32) -> Double? { optimum(of: target, direction, until: nil) }

    /// The same, or the value of the first simplex point over the patterns so far (a point over all
    /// of them) that reaches `until`: the optimum is at least as far.
    func optimum(of target: P.Target, _ direction: Int32, until: Double?) -> Double? {
        guard isFeasible else { return nil }
        for (pattern, column) in columns { glp_set_obj_coef(problem, column, pricing.target(target, has: pattern) ? 1 : 0) }
        glp_set_obj_dir(problem, direction)
        return converge(target: target, direction, until: until)
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

    /// The patterns of items whose people the program puts between 1 and k - 1, in a range of fewer
    /// than p values: each is a group of fewer than k people that the published counts single out
    /// and size (the people who played titles 3 and 5 of a series and no other, say). There are too
    /// many patterns to take each, but such a pattern has people in every point, so only the patterns
    /// that every point found so far puts between 1 and k - 1 (in fewer than p values) are taken.
    /// Its least and most are then found as whole numbers, by asking whether some point puts the
    /// pattern's people below or above each (`admits`: a phase one with its column held, priced
    /// around it by `best(_:target:excluding:)`).
    func smallPatterns(k: Int, p: Int) -> [(pattern: P.Pattern, least: Int, most: Int)] {
        guard isFeasible, let first = points.first else { return [] }
        let byPoint = points.map { Dictionary($0, uniquingKeysWith: +) }
        return first.compactMap { pattern, _ in
            let values = byPoint.map { $0[pattern] ?? 0 }
            let seenLeast = Int((values.min()! - 1e-4).rounded(.up))
            let seenMost = Int((values.max()! + 1e-4).rounded(.down))
            guard seenLeast > 0, seenMost < k, seenMost - seenLeast + 1 < p else { return nil }
            // The least: the smallest whole t (0 to the points' least) with a point at t or below.
            guard let anyone = admits(pattern, from: 0, to: 1e-4), !anyone else { return nil }
            // Below k: a least of k would be a pattern pinned between k - 1 and k, which no whole
            // people meet.
            guard let least = smallest(1, seenLeast, where: { admits(pattern, from: 0, to: Double($0) + 1e-4) }), least < k else { return nil }
            // Small only if no point has more than `cap`; then the most: the largest t with a point at t or above.
            let cap = min(k - 1, least + p - 2)
            guard let beyond = admits(pattern, from: Double(cap + 1) - 1e-4, to: nil), !beyond else { return nil }
            guard let above = smallest(seenMost + 1, cap + 1, where: { admits(pattern, from: Double($0) - 1e-4, to: nil).map { !$0 } }),
                least <= above - 1
            else { return nil }
            return (pattern, least, above - 1)
        }
    }

    /// The smallest whole number from `low` to `high` that `holds` (true of `high`, and of every
    /// number above one it is true of) by bisection; nil when a question went unanswered.
    private func smallest(_ low: Int, _ high: Int, where holds: (Int) -> Bool?) -> Int? {
        var (low, high) = (low, high)
        while low < high {
            let middle = (low + high) / 2
            guard let answer = holds(middle) else { return nil }
            if answer { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Whether some point puts `lower` to `upper` people (nil: no most) on `pattern`: a phase one
    /// with the pattern's column so bounded, every row's shortfall and excess made up by artificial
    /// columns; nil when it did not converge (counted as unsettled).
    private func admits(_ pattern: P.Pattern, from lower: Double, to upper: Double?) -> Bool? {
        add(pattern)
        let column = columns[pattern]!
        glp_set_col_bnds(problem, column, upper == nil ? GLP_LO : GLP_DB, lower, upper ?? 0)
        held = pattern
        defer {
            glp_set_col_bnds(problem, column, GLP_LO, 0, 0)
            held = nil
        }
        return phaseOne(shortfalls + excesses).map { $0 < 1e-6 }
    }
}
