import CGLPK

/// A linear program over non-negative variables, solved with GLPK's simplex. The tests' attacker
/// writes what the report views publish as constraints on the people of each viewing pattern, and
/// asks for the least and the most a hidden count can be. Solving one objective after another
/// starts from the last basis, so the many ranges of one program are cheap.
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

    /// The least and the most of `objective` over the feasible region (`most` is nil when it is
    /// unbounded); nil when no point satisfies the constraints.
    func range(of objective: [Double]) -> (least: Double, most: Double?)? {
        precondition(objective.count == variables)
        for (j, c) in objective.enumerated() { glp_set_obj_coef(problem, Int32(j + 1), c) }
        guard let least = solve(GLP_MIN) else { return nil }
        return (least, solve(GLP_MAX))
    }

    private func solve(_ direction: Int32) -> Double? {
        glp_set_obj_dir(problem, direction)
        guard glp_simplex(problem, &parameters) == 0, glp_get_status(problem) == GLP_OPT else { return nil }
        return glp_get_obj_val(problem)
    }
}
