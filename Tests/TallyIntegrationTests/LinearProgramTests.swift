import Testing

/// The attacker's program (`LinearProgram`) counts people whole: where the published counts admit
/// only fractions of people, or only some whole numbers, it knows so, as a real attacker would.
@Suite("the attacker's linear program")
struct LinearProgramTests {
    @Test("three days of one viewer each, with nobody on one day alone or on all three, admit no whole people (the relaxation puts half a person on each pair)")
    func noHalfPeople() {
        let days = Patterns(items: 3)
        let constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)] =
            (0..<3).map { (days.including(1 << $0), .equal, 1) } + [1, 2, 4, 7].map { (days.exactly($0), .equal, 0) }
        #expect(!LinearProgram(variables: days.count, constraints: constraints).isFeasible)
    }

    @Test("a count known to be even and at most 3 is 0 to 2: three values, where the relaxation's 0 to 3 would be four")
    func wholeNumbersNarrow() throws {
        // count - 2 x half = 0, count + rest = 3.
        let program = LinearProgram(variables: 3, constraints: [([1, -2, 0], .equal, 0), ([1, 0, 1], .equal, 3)])
        let narrowed = try #require(program.narrowed([(what: "the count", viewers: 2, objective: [1, 0, 0])], p: 4))
        #expect(narrowed.map { $0.least...$0.most } == [0...2])
        #expect(program.unsettled == 0)
    }
}
