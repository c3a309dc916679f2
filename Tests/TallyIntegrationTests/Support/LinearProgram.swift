import CGLPK

/// The tests' attacker: what the report views publish, written as constraints on the number of
/// people with each viewing pattern (non-negative whole numbers), and the least and the most a
/// hidden count can be under them. People come whole, so each optimum is GLPK's branch and bound
/// over the simplex's (an attacker who let a pattern hold 2.5 people would know less).
///
/// Branch and bound is costly on a group's 1,023 patterns, so a decision that some whole-number
/// point already settles is taken from it: every whole point found (an integral simplex optimum,
/// or a branch and bound's) is kept, and a count that two of them give values p apart, or that one
/// of them puts at 0 or at k, cannot be narrowed, or single out a small group, whatever the
/// optimum. Only the other counts are solved. Solving one objective after another starts from the
/// last basis, so the many ranges of one program are cheap.
///
/// GLPK keeps its state per thread: create, solve and drop a program within one synchronous call
/// (no `await` in between), as the audits do.
final class LinearProgram {
    /// How a constraint's left-hand side relates to its number.
    enum Relation {
        case equal, atMost, atLeast

        /// GLPK's type of a row bounded so, both bounds being the constraint's number.
        var rowType: Int32 {
            switch self {
            case .equal: GLP_FX
            case .atMost: GLP_UP
            case .atLeast: GLP_LO
            }
        }
    }

    private let problem: OpaquePointer
    private var simplex = glp_smcp()
    private var branchAndBound = glp_iocp()
    let variables: Int
    /// Whole-number points that satisfy the constraints, found along the way.
    private(set) var points: [[Double]] = []
    /// Branch and bound searches that ended without an answer (the time limit): an audit that
    /// meets one has not decided its unit.
    private(set) var unsettled = 0

    /// Whether people come whole: false for the relaxation, which lets a pattern hold 2.5 people.
    let whole: Bool

    /// `constraints`: dense coefficients (one per variable), a relation and a number.
    init(variables: Int, constraints: [(coefficients: [Double], relation: Relation, value: Double)], whole: Bool = true) {
        precondition(variables > 0)
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        self.variables = variables
        self.whole = whole
        glp_add_cols(problem, Int32(variables))
        for j in 1...variables {
            glp_set_col_bnds(problem, Int32(j), GLP_LO, 0, 0)
            glp_set_col_kind(problem, Int32(j), whole ? GLP_IV : GLP_CV)
        }
        if !constraints.isEmpty {
            glp_add_rows(problem, Int32(constraints.count))
            // GLPK's arrays count from 1; element 0 is unused.
            var rows: [Int32] = [0]
            var columns: [Int32] = [0]
            var values: [Double] = [0]
            for (i, constraint) in constraints.enumerated() {
                precondition(constraint.coefficients.count == variables)
                glp_set_row_bnds(problem, Int32(i + 1), constraint.relation.rowType, constraint.value, constraint.value)
                for (j, c) in constraint.coefficients.enumerated() where c != 0 {
                    rows.append(Int32(i + 1))
                    columns.append(Int32(j + 1))
                    values.append(c)
                }
            }
            glp_load_matrix(problem, Int32(rows.count - 1), rows, columns, values)
        }
        glp_init_smcp(&simplex)
        simplex.msg_lev = GLP_MSG_OFF
        glp_init_iocp(&branchAndBound)
        branchAndBound.msg_lev = GLP_MSG_OFF
        // A search that runs this long has gone wrong: the audit reports its unit as unsettled
        // rather than hang the test run.
        branchAndBound.tm_lim = 60_000
    }

    deinit { glp_delete_prob(problem) }

    /// Whether some whole-number point satisfies the constraints (it is kept).
    var isFeasible: Bool { optimum(of: [Double](repeating: 0, count: variables), GLP_MIN) != nil }

    /// The least (`GLP_MIN`) or the most (`GLP_MAX`) of `objective` over whole-number points; nil
    /// when there is none, or when it is unbounded.
    func optimum(of objective: [Double], _ direction: Int32) -> Double? {
        precondition(objective.count == variables)
        for (j, c) in objective.enumerated() { glp_set_obj_coef(problem, Int32(j + 1), c) }
        glp_set_obj_dir(problem, direction)
        // No point, or no bound, is an answer; a simplex that failed is not (its unit is unsettled).
        let solved = glp_simplex(problem, &simplex) == 0
        guard solved, glp_get_status(problem) == GLP_OPT else {
            if !solved || ![GLP_NOFEAS, GLP_UNBND].contains(glp_get_status(problem)) { unsettled += 1 }
            return nil
        }
        guard whole else { return glp_get_obj_val(problem) }
        let relaxed = (1...variables).map { glp_get_col_prim(problem, Int32($0)) }
        if relaxed.allSatisfy({ abs($0 - $0.rounded()) < 1e-6 }) {
            keep(relaxed.map { $0.rounded() })
            return glp_get_obj_val(problem)
        }
        // Branch and bound from the simplex's optimal basis (no presolve).
        let status = glp_intopt(problem, &branchAndBound)
        guard status == 0, glp_mip_status(problem) == GLP_OPT else {
            if status != 0 || glp_mip_status(problem) != GLP_NOFEAS { unsettled += 1 }
            return nil
        }
        keep((1...variables).map { glp_mip_col_val(problem, Int32($0)).rounded() })
        return glp_mip_obj_val(problem)
    }

    private func keep(_ point: [Double]) {
        if points.count < 256 { points.append(point) }
    }

    /// The least and the most value of `objective` among the whole-number points kept so far:
    /// values that the attacker cannot rule out.
    func witnessed(_ objective: [Double]) -> ClosedRange<Int>? {
        let terms = objective.indices.filter { objective[$0] != 0 }
        var least = Double.infinity
        var most = -Double.infinity
        for point in points {
            var value = 0.0
            for j in terms { value += point[j] * objective[j] }
            least = min(least, value)
            most = max(most, value)
        }
        return points.isEmpty ? nil : Int(least.rounded())...Int(most.rounded())
    }
}

extension LinearProgram: AttackerProgram {
    /// The optimum: branch and bound cannot stop at a point short of it.
    func optimum(of objective: [Double], _ direction: Int32, until: Double?) -> Double? { optimum(of: objective, direction) }
}

/// An attacker's program (whole-number or relaxed): the least and the most of an objective, and the
/// values its points so far have shown possible.
protocol AttackerProgram {
    associatedtype Objective
    /// The least (`GLP_MIN`) or the most (`GLP_MAX`) of `objective`; or, once the search reaches a
    /// point at `until` or beyond it (at most `until` when minimising, at least when maximising),
    /// that point's value, which the optimum is then at least as far as. Nil as `optimum(of:_:)`.
    func optimum(of objective: Objective, _ direction: Int32, until: Double?) -> Double?
    func witnessed(_ objective: Objective) -> ClosedRange<Int>?
}

extension AttackerProgram {
    /// The groups of people (a pattern of items, the people with every item of a set whatever else
    /// they have, or the people with at least m or exactly m items) that the
    /// program puts between 1 and k - 1, in a range of fewer than p values: each is a group of fewer
    /// than k people that the published counts single out and size (the people who watched on
    /// Monday and Wednesday only, say). A range from 0 says that nobody need be there, and one that
    /// reaches k that the group need not be small: neither is counted. A group that some points
    /// already show 0, k or p values apart is not solved, and a search stops at the first point that
    /// shows it.
    func smallGroups(_ groups: [(what: String, objective: Objective)], k: Int, p: Int) -> [NarrowedCount] {
        groups.compactMap { group in
            let seen = witnessed(group.objective)
            if let seen, seen.lowerBound == 0 || seen.upperBound >= k || seen.count >= p { return nil }
            // Not small with a least of 0, or p values below a point's most.
            let enough = max(0, (seen?.upperBound ?? 0) - p + 1)
            guard let low = optimum(of: group.objective, GLP_MIN, until: Double(enough)) else { return nil }
            let least = Int((low - 1e-4).rounded(.up))
            guard least > enough, least < k, let high = optimum(of: group.objective, GLP_MAX, until: Double(min(k, least + p - 1))) else { return nil }
            let most = Int((high + 1e-4).rounded(.down))
            return most < k && most - least + 1 < p ? NarrowedCount(what: group.what, viewers: -1, least: least, most: most) : nil
        }
    }

    /// The targets that the program leaves fewer than `p` values, with their ranges. A target that
    /// some points already show p values apart is not solved, and a search stops at the first point
    /// that shows it; one without a most is not narrowed; one whose optimum a search did not find
    /// (the program counts it as unsettled) is passed over.
    func narrowed(_ targets: [(what: String, viewers: Int, objective: Objective)], p: Int) -> [NarrowedCount] {
        targets.compactMap { target in
            let seen = witnessed(target.objective)
            if let seen, seen.count >= p { return nil }
            // Wide with a least p values below a point's most, or a most p values above the least.
            let enough = seen.map { $0.upperBound - p + 1 }
            guard let low = optimum(of: target.objective, GLP_MIN, until: enough.map(Double.init)) else { return nil }
            let least = Int((low - 1e-4).rounded(.up))
            if let enough, least <= enough { return nil }
            guard let high = optimum(of: target.objective, GLP_MAX, until: Double(least + p - 1)) else { return nil }
            let most = Int((high + 1e-4).rounded(.down))
            return most - least + 1 < p ? NarrowedCount(what: target.what, viewers: target.viewers, least: least, most: most) : nil
        }
    }
}
