import CGLPK

/// A linear program over non-negative variables, solved with GLPK's simplex. The tests' attacker
/// writes what the report views publish as constraints on the people of each viewing pattern, and
/// asks for the least and the most a hidden count can be. Solving one objective after another
/// starts from the last basis, so the many ranges of one program are cheap.
///
/// GLPK keeps its state per thread: create, solve and drop a program within one synchronous call
/// (no `await` in between), as the audits do.
final class LinearProgram {
    /// How a constraint's left-hand side relates to its number.
    enum Relation {
        case equal, atMost, atLeast
    }

    private let problem: OpaquePointer
    private var parameters = glp_smcp()
    let variables: Int

    /// `constraints`: dense coefficients (one per variable), a relation and a number.
    init(variables: Int, constraints: [(coefficients: [Double], relation: Relation, value: Double)]) {
        precondition(variables > 0)
        glp_term_out(GLP_OFF)
        problem = glp_create_prob()
        self.variables = variables
        glp_add_cols(problem, Int32(variables))
        for j in 1...variables { glp_set_col_bnds(problem, Int32(j), GLP_LO, 0, 0) }
        if !constraints.isEmpty {
            glp_add_rows(problem, Int32(constraints.count))
            // GLPK's arrays count from 1; element 0 is unused.
            var rows: [Int32] = [0]
            var columns: [Int32] = [0]
            var values: [Double] = [0]
            for (i, constraint) in constraints.enumerated() {
                precondition(constraint.coefficients.count == variables)
                let type =
                    switch constraint.relation {
                    case .equal: GLP_FX
                    case .atMost: GLP_UP
                    case .atLeast: GLP_LO
                    }
                glp_set_row_bnds(problem, Int32(i + 1), type, constraint.value, constraint.value)
                for (j, c) in constraint.coefficients.enumerated() where c != 0 {
                    rows.append(Int32(i + 1))
                    columns.append(Int32(j + 1))
                    values.append(c)
                }
            }
            glp_load_matrix(problem, Int32(rows.count - 1), rows, columns, values)
        }
        glp_init_smcp(&parameters)
        parameters.msg_lev = GLP_MSG_OFF
    }

    deinit { glp_delete_prob(problem) }

    /// Whether some point satisfies the constraints.
    var isFeasible: Bool { optimum(of: [Double](repeating: 0, count: variables), GLP_MIN) != nil }

    /// The least and the most of `objective` over the feasible region (`most` is nil when it is
    /// unbounded); nil when no point satisfies the constraints.
    func range(of objective: [Double]) -> (least: Double, most: Double?)? {
        guard let least = optimum(of: objective, GLP_MIN) else { return nil }
        return (least, optimum(of: objective, GLP_MAX))
    }

    /// The least (`GLP_MIN`) or the most (`GLP_MAX`) of `objective`; nil when there is none.
    func optimum(of objective: [Double], _ direction: Int32) -> Double? {
        precondition(objective.count == variables)
        for (j, c) in objective.enumerated() { glp_set_obj_coef(problem, Int32(j + 1), c) }
        glp_set_obj_dir(problem, direction)
        guard glp_simplex(problem, &parameters) == 0, glp_get_status(problem) == GLP_OPT else { return nil }
        return glp_get_obj_val(problem)
    }
}

extension LinearProgram {
    /// The groups of people (a pattern of items, or the people with at least m items) that the
    /// program puts between 1 and k - 1, in a range of fewer than p values: each is a group of fewer
    /// than k people that the published counts single out and size (the people who watched on
    /// Monday and Wednesday only, say). A range from 0 says that nobody need be there, and one that
    /// reaches k that the group need not be small: neither is counted.
    func smallGroups(_ groups: [(what: String, objective: [Double])], k: Int, p: Int) -> [NarrowedCount] {
        groups.compactMap { group in
            guard let low = optimum(of: group.objective, GLP_MIN) else { return nil }
            let least = Int((low - 1e-4).rounded(.up))
            guard (1..<k).contains(least), let high = optimum(of: group.objective, GLP_MAX) else { return nil }
            let most = Int((high + 1e-4).rounded(.down))
            return most < k && most - least + 1 < p ? NarrowedCount(what: group.what, viewers: -1, least: least, most: most) : nil
        }
    }

    /// The attacker's whole-number range for each target, and the targets it leaves fewer than `p`
    /// values; nil when no point satisfies the constraints.
    func narrowed(_ targets: [(what: String, viewers: Int, objective: [Double])], p: Int) -> [NarrowedCount]? {
        var narrowed: [NarrowedCount] = []
        for target in targets {
            guard let range = range(of: target.objective) else { return nil }
            guard let most = range.most else { continue }
            let least = Int((range.least - 1e-4).rounded(.up))
            let upper = Int((most + 1e-4).rounded(.down))
            if upper - least + 1 < p { narrowed.append(NarrowedCount(what: target.what, viewers: target.viewers, least: least, most: upper)) }
        }
        return narrowed
    }
}
