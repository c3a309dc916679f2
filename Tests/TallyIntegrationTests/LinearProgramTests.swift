import CGLPK
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
        let narrowed = program.narrowed([(what: "the count", viewers: 2, objective: [1, 0, 0])], p: 4)
        #expect(narrowed.map { $0.least...$0.most } == [0...2])
        #expect(program.unsettled == 0)
    }

    @Test(
        "a hidden pair's bounds through two third titles in closed form (AnalystChecks.TwoThirds) are the least and the most people of both that whole people allow, on 2,000 random instances of four titles"
    )
    func twoThirdsClosedForm() throws {
        // A is bit 0, B bit 1, C bit 2, D bit 3; the counts A, B, C, D, AC, AD, BC, BD, CD, as
        // report.coviewing and the period views publish them.
        let titles = Patterns(items: 4)
        let published = [0b0001, 0b0010, 0b0100, 0b1000, 0b0101, 0b1001, 0b0110, 0b1010, 0b1100]
        let sizes = [0, 0, 0, 1, 2, 3, 5, 10, 30]
        var random = SplitMix(seed: 31)
        var narrower = 0
        for _ in 0..<2_000 {
            let people = (1...titles.count).map { _ in Double(sizes.randomElement(using: &random)!) }
            let counts = published.map { mask in (1...titles.count).filter { $0 & mask == mask }.reduce(0) { $0 + people[$1 - 1] } }
            let program = LinearProgram(variables: titles.count, constraints: zip(published, counts).map { (titles.including($0), .equal, $1) })
            let pair = titles.including(0b0011)
            let least = try #require(program.optimum(of: pair, GLP_MIN))
            let most = try #require(program.optimum(of: pair, GLP_MAX))
            let bounds = AnalystChecks.TwoThirds.bounds(counts.map { Int($0) })
            #expect(bounds == Int(least)...Int(most), "\(people)")
            // The bounds of one third alone (the first two lower and six upper) are wider here and there.
            let one = AnalystChecks.TwoThirds.bounds(counts.map { Int($0) }, thirds: 1)
            if one != bounds { narrower += 1 }
        }
        #expect(narrower > 100, "two thirds narrow what one does not in \(narrower) of 2,000")
    }

    @Test(
        "a couple of titles below k (no stored pair) keeps at least k + 1 values between any lower bound of I2t through one or two third titles and any upper bound through others, unless A or B lies inside a third (as report.held_pairs assumes); with A inside one, 2 values",
        arguments: [11, 20])
    func unstoredCoupleNeedsATitleInsideAThird(k: Int) throws {
        // A and B are bits 0 and 1; the lower bound's thirds C and D bits 2 and 3, the upper
        // bound's E and F bits 4 and 5. Fewer titles are a special case: copy a title into a
        // title of its own (same people), and a bound through one third, or a third used by both
        // bounds, becomes one of these with the same value. The pairs that the bounds use are
        // shown, so each holds k or more people; A and B are inside no third, so each has k or
        // more people outside each of its pairs. The rest of I2 (a third's people outside its
        // pairs) is left out, which can only narrow; and people may be fractions (the
        // relaxation), which can only narrow too. What a missing pair says (fewer than k, where I2
        // would show it) is not taken: these are the bounds of report.held_pairs.
        let titles = Patterns(items: 6)
        let counts = { (c: Int, d: Int) in [1, 2, 1 << c, 1 << d, 1 | 1 << c, 1 | 1 << d, 2 | 1 << c, 2 | 1 << d, 1 << c | 1 << d] }
        func expression(_ coefficients: [Int], _ masks: [Int]) -> [Double] {
            zip(coefficients, masks).reduce(into: [Double](repeating: 0, count: titles.count)) { sum, term in
                for (j, v) in titles.including(term.1).enumerated() { sum[j] += Double(term.0) * v }
            }
        }
        let lower = [[Double](repeating: 0, count: titles.count)] + AnalystChecks.TwoThirds.least.map { expression($0, counts(2, 3)) }
        let upper = AnalystChecks.TwoThirds.most.map { expression($0, counts(4, 5)) }
        /// The least that an upper bound less a lower bound can be; `inside`: a pair of A or B with
        /// a third that holds all of A's or B's people.
        func narrowest(inside: (Int, Int)? = nil) throws -> Double {
            let pair = { (x: Int, y: Int) in titles.including(1 << x | 1 << y) }
            var constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)] = [(pair(0, 1), .atMost, Double(k - 1))]
            constraints += (0..<6).map { (titles.including(1 << $0), .atLeast, Double(k)) }
            constraints += [(2, 3), (4, 5)].map { (pair($0.0, $0.1), .atLeast, Double(k)) }
            for x in 0..<2 {
                for y in 2..<6 {
                    let outside = zip(titles.including(1 << x), pair(x, y)).map { $0 - $1 }
                    constraints += [
                        (pair(x, y), .atLeast, Double(k)), inside.map { $0 == (x, y) } == true ? (outside, .equal, 0) : (outside, .atLeast, Double(k)),
                    ]
                }
            }
            let program = LinearProgram(variables: titles.count, constraints: constraints, whole: false)
            let optima = lower.flatMap { l in upper.map { u in program.optimum(of: zip(u, l).map { $0 - $1 }, GLP_MIN) } }
            #expect(optima.allSatisfy { $0 != nil } && program.unsettled == 0, "every optimum is found")
            return try #require(optima.compactMap { $0 }.min())
        }
        #expect(try narrowest().rounded() >= Double(k), "no title inside a third: at least k + 1 values")
        let control = try narrowest(inside: (0, 4))
        #expect(control.rounded() == 1, "A inside E, the upper bound's third: 2 values, not \(control)")
    }

    @Test(
        "a couple of titles below k (no stored pair) has a lower bound of k - p + 1 or more through one or two third titles only where report.held_pairs looks for one: through C, the larger of AC and BC at least half of C + k - p + 1; through C and D, each title's AC + AD - A that much, or each title's AC - AD that much and together C - CD + k - p + 1, the larger half of it and AC at least k more, and CD above AD + BD",
        arguments: [(11, 6), (20, 10), (11, 10)])
    func unstoredCoupleLowerBounds(k: Int, p: Int) throws {
        // A, B, C, D are bits 0 to 3; the counts A, B, C, D, AC, AD, BC, BD, CD as in
        // AnalystChecks.TwoThirds. The five pairs other than AB are shown (k or more); AB is below
        // k. Each lower bound is at most k - p when the condition report.held_pairs searches by
        // fails (the relaxation, which can only raise it). p is at most k - 1: above it,
        // report.held_pairs takes it as k - 1.
        let titles = Patterns(items: 4)
        let masks = [0b0001, 0b0010, 0b0100, 0b1000, 0b0101, 0b1001, 0b0110, 0b1010, 0b1100]
        let pinning = Double(k - p + 1)
        func expression(_ coefficients: [Int]) -> [Double] {
            zip(coefficients, masks).reduce(into: [Double](repeating: 0, count: titles.count)) { sum, term in
                for (j, v) in titles.including(term.1).enumerated() { sum[j] += Double(term.0) * v }
            }
        }
        var constraints: [(coefficients: [Double], relation: LinearProgram.Relation, value: Double)] = [
            (titles.including(0b0011), .atMost, Double(k - 1))
        ]
        constraints += masks.map { (titles.including($0), .atLeast, Double(k)) }
        // Each failing condition: coefficients of the nine counts, at most a number.
        let least = AnalystChecks.TwoThirds.least
        let failing: [(bound: [Int], conditions: [([Int], Double)])] = [
            // AC + BC - C: the larger of AC and BC below half of C + pinning.
            (least[0], [([0, 0, -1, 0, 2, 0, 0, 0, 0], pinning - 1), ([0, 0, -1, 0, 0, 0, 2, 0, 0], pinning - 1)]),
            // AC + AD + BC + BD - CD - A - B: A's AC + AD - A below pinning, or the larger of AC and AD below half of A + pinning.
            (least[2], [([-1, 0, 0, 0, 1, 1, 0, 0, 0], pinning - 1)]),
            (least[2], [([0, -1, 0, 0, 0, 0, 1, 1, 0], pinning - 1)]),
            (least[2], [([-1, 0, 0, 0, 2, 0, 0, 0, 0], pinning - 1), ([-1, 0, 0, 0, 0, 2, 0, 0, 0], pinning - 1)]),
            // LB through C + LB through D - CD: both below pinning.
            (least[3], [([0, 0, -1, 0, 1, 0, 1, 0, 0], pinning - 1), ([0, 0, 0, -1, 0, 1, 0, 1, 0], pinning - 1)]),
            // AC - AD + BC - BD + CD - C: A's or B's AC - AD below pinning, or C - CD, or both below
            // half of C - CD + pinning, or both AC less k below it (CD leaves at least the room
            // that C's largest pair leaves).
            (least[4], [([0, 0, 0, 0, 1, -1, 0, 0, 0], pinning - 1)]),
            (least[4], [([0, 0, 0, 0, 0, 0, 1, -1, 0], pinning - 1)]),
            (least[4], [([0, 0, 1, 0, 0, 0, 0, 0, -1], pinning - 1)]),
            (least[4], [([0, 0, -1, 0, 2, -2, 0, 0, 1], pinning - 1), ([0, 0, -1, 0, 0, 0, 2, -2, 1], pinning - 1)]),
            (least[4], [([0, 0, -1, 0, 2, 0, 0, 0, 1], Double(2 * k) + pinning - 1), ([0, 0, -1, 0, 0, 0, 2, 0, 1], Double(2 * k) + pinning - 1)]),
            // ... or CD at most AD + BD, where the bound through C alone is below pinning.
            (least[4], [([0, 0, 0, 0, 0, -1, 0, -1, 1], 0), ([0, 0, -1, 0, 1, 0, 1, 0, 0], pinning - 1)]),
        ]
        for (bound, conditions) in failing {
            let program = LinearProgram(
                variables: titles.count, constraints: constraints + conditions.map { (expression($0.0), .atMost, $0.1) }, whole: false)
            let most = try #require(program.optimum(of: expression(bound), GLP_MAX), "\(bound) \(conditions)")
            #expect(most <= pinning - 1 + 1e-6, "\(bound) reaches \(most) with \(conditions) failing")
        }
        // The conditions are not empty: each bound reaches k - p + 1 when its condition holds.
        for bound in [least[0], least[2], least[4]] {
            let program = LinearProgram(variables: titles.count, constraints: constraints, whole: false)
            #expect(try #require(program.optimum(of: expression(bound), GLP_MAX)) >= pinning, "\(bound)")
        }
    }

    @Test(
        "a hidden title-week's program by days, tied to its group's program by the title's people, narrows counts that neither program narrows alone: the group's pair says 10 of B's 10 played A, the days say A's people are 6 to 12, so together A's week, the group and the 2-day streak are pinned to 3 values"
    )
    func joinedPrograms() {
        // The group's patterns: A only, B only, both. A's week of two days: Monday only, Tuesday only, both.
        let titles = Patterns(items: 2)
        let days = Patterns(items: 2)
        let group = PatternProgram(
            patterns: titles, constraints: [(titles.including(0b10), .equal, 10), (titles.including(0b11), .equal, 10)],
            targets: [("title A", 12, titles.including(0b01)), ("the group", 12, titles.all)], name: { "\($0)" })
        let week = PatternProgram(
            patterns: days, constraints: [(days.including(0b01), .equal, 6), (days.including(0b10), .equal, 6)],
            targets: [("the week", 12, days.all), ("the 2-day streak", 0, days.including(0b11))], name: { "\($0)" })
        var alone = AuditFindings()
        alone.solve("the group", group, k: 5, p: 4)
        alone.solve("the week", week, k: 5, p: 4)
        #expect(alone.infeasible.isEmpty && alone.narrowed.isEmpty && alone.smallGroups.isEmpty, "\(alone)")
        var together = AuditFindings()
        together.solve(
            "joined", PatternProgram(joining: [("", group), ("A, ", week)], ties: [(0, titles.including(0b01), 1, days.all)]), k: 5, p: 4)
        #expect(together.infeasible.isEmpty)
        #expect(
            together.narrowed.map { "\($0.what) \($0.least)...\($0.most)" }.sorted() == [
                "joined, A, the 2-day streak 0...2", "joined, A, the week 10...12", "joined, the group 10...12", "joined, title A 10...12",
            ], "\(together.narrowed)")
    }

    @Test(
        "the people on two days, whatever else they watched, are a group that must not be singled out: in a hand-made week of four days, where no hidden count is narrowed and no pattern of days, nor the people on at least m or exactly m days, is pinned, the people on Tuesday and Thursday are 4"
    )
    func peopleOnDaysWhateverElse() {
        // Monday is bit 0.
        let program = primaryRuleWeek([0b0010: 6, 0b0011: 12, 0b0110: 2, 0b0111: 1, 0b1000: 6, 0b1110: 3, 0b1111: 1], days: 4, k: 5)
        #expect(program.targets.count == 4, "hidden: \(program.targets.map(\.what))")
        var findings = AuditFindings()
        findings.solve("the week", program, k: 5, p: 3)
        #expect(findings.infeasible.isEmpty && findings.narrowed.isEmpty, "\(findings)")
        #expect(
            findings.smallGroups.map { "\($0.what) \($0.least)...\($0.most)" } == ["the week, the people of Tuesday and Thursday, whatever else 4...4"],
            "\(findings.smallGroups)")
    }

    @Test(
        "the month's program by column generation finds the same optima as the program over every pattern, on random people over 9 days with their days, streaks, weeks and whole period, shown and hidden, and the people on at least m or exactly m days or weeks; and pins the same patterns of days to the same few values"
    )
    func columnGenerationMatchesEveryPattern() throws {
        var random = SplitMix(seed: 17)
        let days = 9
        let k = 4
        var small = 0
        for _ in 0..<25 {
            // People with a skew: many on one or two days, some on runs, a few on nearly every day.
            let people: [UInt32] = (0..<Int.random(in: 10...40, using: &random)).map { _ in
                switch Int.random(in: 0..<4, using: &random) {
                case 0: UInt32(1) << Int.random(in: 0..<days, using: &random)
                case 1:
                    UInt32(Int.random(in: 1..<(1 << days), using: &random))
                case 2:
                    ((UInt32(1) << Int.random(in: 2...4, using: &random)) - 1) << Int.random(in: 0...(days - 4), using: &random) & ((1 << days) - 1)
                default: UInt32((1 << days) - 1) ^ (UInt32(1) << Int.random(in: 0..<days, using: &random))
                }
            }
            let counts =
                (0..<days).map { DayCount.day($0) }
                + (1..<days).flatMap { end in (2...min(4, end + 1)).map { DayCount(days: (end - $0 + 1)...end, every: true) } }
                + [DayCount(days: 0...3, every: false), DayCount(days: 4...8, every: false), DayCount(days: 0...8, every: false)]
            // A count of k or more is shown, one below is hidden (at most k - 1 when it is a day) and a target.
            var constraints: [(count: DayCount, relation: LinearProgram.Relation, value: Double)] = []
            // And the people in both weeks or in one, on at least 2, 3 or 4 days and on exactly 1, 2 or 3.
            let weeks: [UInt32] = [0b1111, 0b1_1111_0000]
            let parts: [DayTarget] =
                [.atLeast(2, of: weeks), .exactly(1, of: weeks)] + (2...4).map { .atLeast($0, of: (0..<days).map { 1 << $0 }) }
                + (1...3).map { .exactly($0, of: (0..<days).map { 1 << $0 }) }
            var targets = parts
            for count in counts {
                let viewers = people.filter { count.counts($0) }.count
                if viewers >= k {
                    constraints.append((count, .equal, Double(viewers)))
                } else {
                    // A day without a row: at most k - 1, and (to the analyst who knows the empty
                    // days) none or at least 1.
                    if count.days.count == 1 {
                        constraints.append((count, .atMost, Double(k - 1)))
                        constraints.append((count, viewers == 0 ? .equal : .atLeast, viewers == 0 ? 0 : 1))
                    }
                    targets.append(.count(count))
                }
            }
            small += try expectEveryPatternOptima(
                DayPricing(days: days), items: days, pattern: { UInt32($0) }, constraints: constraints, targets: targets, k: k, p: 4)
            // Every count shown, of the people on one run of days: these pin some patterns of
            // people (a day's people, when the weeks and the period say nobody has two days apart).
            let onRuns = people.filter { ($0 >> $0.trailingZeroBitCount) & (($0 >> $0.trailingZeroBitCount) + 1) == 0 }
            let everyCount = counts.map { count in (count, LinearProgram.Relation.equal, Double(onRuns.filter { count.counts($0) }.count)) }
            small += try expectEveryPatternOptima(
                DayPricing(days: days), items: days, pattern: { UInt32($0) }, constraints: everyCount, targets: parts, k: 6, p: 3)
        }
        #expect(small > 100, "patterns pinned: \(small)")
    }

    @Test(
        "the group's program by column generation finds the same optima as the program over every pattern, on random people over 8 titles with their titles, pairs, the group and a group inside it, shown and hidden, and the people of at least m or exactly m titles; and pins the same patterns of titles to the same few values"
    )
    func titleColumnsMatchEveryPattern() throws {
        var random = SplitMix(seed: 23)
        let titles = 8
        let k = 4
        var small = 0
        func set(_ mask: Int) -> TitleSet { TitleSet(items: titles, titles: (0..<titles).filter { mask & 1 << $0 != 0 }) }
        let parts: [TitleTarget] = (2...5).map { .atLeast($0) } + (1...4).map { .exactly($0) }
        for _ in 0..<25 {
            // A skew, as in a genre: most people on one or two popular titles, some on a few, one or
            // two on nearly all, and titles that almost nobody plays.
            let people: [Int] = (0..<Int.random(in: 10...45, using: &random)).map { _ in
                switch Int.random(in: 0..<5, using: &random) {
                case 0, 1: 1 << Int.random(in: 0..<3, using: &random)
                case 2: 1 << Int.random(in: 0..<3, using: &random) | 1 << Int.random(in: 0..<titles, using: &random)
                case 3: Int.random(in: 1..<(1 << titles), using: &random)
                default: ((1 << titles) - 1) ^ (1 << Int.random(in: 0..<titles, using: &random))
                }
            }
            let counts =
                (0..<titles).map { TitleCount(titles: set(1 << $0), every: true) }
                + (0..<titles).flatMap { a in ((a + 1)..<titles).map { TitleCount(titles: set(1 << a | 1 << $0), every: true) } }
                + [TitleCount(titles: set(0b0111_0000), every: false), TitleCount(titles: set(0b1111_1111), every: false)]
            // A count of k or more is shown; one below is hidden and a target, and a hidden title is
            // at most k - 1. One count in four of k or more is hidden too (a complementary cell),
            // with no bound: a target may then have no most.
            var constraints: [(count: TitleCount, relation: LinearProgram.Relation, value: Double)] = []
            var targets = parts
            for count in counts {
                let viewers = people.filter { count.counts(set($0)) }.count
                if viewers >= k && Int.random(in: 0..<4, using: &random) == 0 {
                    targets.append(.count(count))
                } else if viewers >= k {
                    constraints.append((count, .equal, Double(viewers)))
                } else {
                    if count.titles.count == 1 { constraints.append((count, .atMost, Double(k - 1))) }
                    targets.append(.count(count))
                }
            }
            small += try expectEveryPatternOptima(
                TitlePricing(titles: titles), items: titles, pattern: set, constraints: constraints, targets: targets, k: k, p: 4)
            // Every count shown: these pin some patterns of people (a title less its pairs, when
            // nobody played three of them).
            let everyCount = counts.map { count in (count, LinearProgram.Relation.equal, Double(people.filter { count.counts(set($0)) }.count)) }
            small += try expectEveryPatternOptima(
                TitlePricing(titles: titles), items: titles, pattern: set, constraints: everyCount, targets: parts, k: 6, p: 3)
        }
        #expect(small > 100, "patterns pinned: \(small)")
    }

    @Test(
        "the group's pricing is exact: branch and bound finds the best pattern of titles, and the local search returns a pattern that gains whenever one does, on random weights of both signs on titles, pairs, an inner group, the group and the people on at least m or exactly m titles"
    )
    func titlePricingIsExact() throws {
        var random = SplitMix(seed: 29)
        let titles = 8
        let pricing = TitlePricing(titles: titles)
        func set(_ mask: Int) -> TitleSet { TitleSet(items: titles, titles: (0..<titles).filter { mask & 1 << $0 != 0 }) }
        for _ in 0..<300 {
            func weight() -> Double { Double(Int.random(in: -20...20, using: &random)) / 4 }
            var weights = (0..<titles).map { (count: TitleCount(titles: set(1 << $0), every: true), weight: weight()) }
            for a in 0..<titles {
                for b in (a + 1)..<titles where Int.random(in: 0..<3, using: &random) == 0 {
                    weights.append((TitleCount(titles: set(1 << a | 1 << b), every: true), weight()))
                }
            }
            weights += [(TitleCount(titles: set(0b0111_0000), every: false), weight()), (TitleCount(titles: set(0b1111_1111), every: false), weight())]
            let target = (
                target: Bool.random(using: &random)
                    ? TitleTarget.atLeast(Int.random(in: 2...6, using: &random)) : .exactly(Int.random(in: 1...titles, using: &random)),
                weight: weight()
            )
            func gain(_ pattern: TitleSet) -> Double {
                weights.reduce(0) { $0 + ($1.count.counts(pattern) ? $1.weight : 0) } + (target.target.counts(pattern) ? target.weight : 0)
            }
            let most = (1..<(1 << titles)).map { gain(set($0)) }.max()!
            let exact = try #require(pricing.search(weights, target: target, exactly: true)?.first)
            #expect(exact.pattern.count > 0 && abs(exact.gain - gain(exact.pattern)) < 1e-9 && abs(exact.gain - most) < 1e-6, "\(exact) against \(most)")
            let found = try #require(pricing.search(weights, target: target)?.first)
            #expect(found.pattern.count > 0 && abs(found.gain - gain(found.pattern)) < 1e-9)
            #expect(most > 1e-6 ? found.gain > 1e-6 : abs(found.gain - most) < 1e-6, "\(found) against \(most)")
        }
    }

    @Test(
        "the month's pricing is exact: its dynamic program finds the best pattern of days, on random weights of both signs on days, streaks, weeks and the whole period, and the people in at least m or exactly m weeks or days"
    )
    func dayPricingIsExact() throws {
        var random = SplitMix(seed: 31)
        let days = 9
        let pricing = DayPricing(days: days)
        let weeks: [UInt32] = [0b1111, 0b1_1111_0000]
        let singles = (0..<days).map { UInt32(1) << $0 }
        for _ in 0..<300 {
            func weight() -> Double { Double(Int.random(in: -20...20, using: &random)) / 4 }
            var weights = (0..<days).map { (count: DayCount.day($0), weight: weight()) }
            for end in 1..<days {
                for length in 2...min(4, end + 1) where Bool.random(using: &random) {
                    weights.append((DayCount(days: (end - length + 1)...end, every: true), weight()))
                }
            }
            weights += [0...3, 4...8, 0...8].map { (DayCount(days: $0, every: false), weight()) }
            let targets: [DayTarget] = [
                .atLeast(2, of: weeks), .exactly(1, of: weeks), .atLeast(Int.random(in: 2...5, using: &random), of: singles),
                .exactly(Int.random(in: 1...days, using: &random), of: singles),
            ]
            for target in targets.map({ (target: $0, weight: weight()) }) {
                func gain(_ pattern: UInt32) -> Double {
                    weights.reduce(0) { $0 + ($1.count.counts(pattern) ? $1.weight : 0) } + (target.target.counts(pattern) ? target.weight : 0)
                }
                let most = (1..<(UInt32(1) << days)).map(gain).max()!
                let found = try #require(pricing.best(weights, target: target, isNew: { _ in true })?.first)
                #expect(abs(found.gain - gain(found.pattern)) < 1e-9 && abs(found.gain - most) < 1e-6, "\(target): \(found) against \(most)")
            }
        }
    }
}

/// A program by column generation over `pricing` finds each target's least and most as the
/// relaxed program over every pattern of `items` items does (pattern i: `pattern(i)`), and the same
/// patterns of people pinned between 1 and k - 1 to fewer than p values, with the same ranges.
/// Returns how many such patterns there were.
@discardableResult
private func expectEveryPatternOptima<P: Pricing>(
    _ pricing: P, items: Int, pattern: (Int) -> P.Pattern, constraints: [(count: P.Count, relation: LinearProgram.Relation, value: Double)],
    targets: [P.Target], k: Int, p: Int
) throws -> Int {
    let patterns = (1..<(1 << items)).map(pattern)
    let byColumns = ColumnProgram(pricing, constraints: constraints)
    let everyPattern = LinearProgram(
        variables: patterns.count, constraints: constraints.map { c in (patterns.map { pricing.count(c.count, has: $0) ? 1 : 0 }, c.relation, c.value) },
        whole: false)
    #expect(byColumns.isFeasible)
    for target in targets {
        let objective = patterns.map { pricing.target(target, has: $0) ? 1.0 : 0 }
        for direction in [GLP_MIN, GLP_MAX] {
            // Both nil when the constraints set no bound.
            let expected = everyPattern.optimum(of: objective, direction)
            let found = byColumns.optimum(of: target, direction)
            #expect(
                found.map { found in expected.map { abs(found - $0) < 1e-6 } ?? false } ?? (expected == nil),
                "\(target), \(direction == GLP_MIN ? "least" : "most"): \(String(describing: found)) against \(String(describing: expected))")
        }
    }
    // A fresh program, whose searches stop at the first point that shows a range wide (few points
    // yet): the same targets narrowed and the same groups singled out.
    let fresh = ColumnProgram(pricing, constraints: constraints)
    let dense = targets.map { target in patterns.map { pricing.target(target, has: $0) ? 1.0 : 0 } }
    let narrowed = fresh.narrowed(targets.enumerated().map { ("\($0.offset)", 0, $0.element) }, p: p).map(\.description)
    #expect(narrowed == everyPattern.narrowed(dense.enumerated().map { ("\($0.offset)", 0, $0.element) }, p: p).map(\.description))
    let groups = fresh.smallGroups(targets.enumerated().map { ("\($0.offset)", $0.element) }, k: k, p: p).map(\.description)
    #expect(groups == everyPattern.smallGroups(dense.enumerated().map { ("\($0.offset)", $0.element) }, k: k, p: p).map(\.description))
    #expect(fresh.unsettled == 0)
    let index = Dictionary(uniqueKeysWithValues: patterns.enumerated().map { ($1, $0) })
    let small = byColumns.smallPatterns(k: k, p: p).map { "\(index[$0.pattern]!): \($0.least)...\($0.most)" }
    let expected = everyPattern.smallGroups(
        patterns.indices.map { i in ("\(i)", patterns.indices.map { $0 == i ? 1 : 0 }) }, k: k, p: p
    ).map { "\($0.what): \($0.least)...\($0.most)" }
    #expect(small.sorted() == expected.sorted())
    #expect(byColumns.unsettled == 0)
    return expected.count
}

/// A seeded generator (SplitMix64), so that the random cases are the same on every run.
struct SplitMix: RandomNumberGenerator {
    var seed: UInt64
    mutating func next() -> UInt64 {
        seed &+= 0x9E37_79B9_7F4A_7C15
        var z = seed
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The program of a week of `days` days (from Monday) whose people have the patterns of days in
/// `people` (Monday is bit 0), with each day, streak and the week shown when it reaches k and
/// hidden (at most k - 1, and a target) otherwise: what the primary rule alone would publish.
func primaryRuleWeek(_ people: [Int: Double], days: Int, k: Int) -> PatternProgram {
    let patterns = Patterns(items: days)
    let names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    func count(_ objective: [Double]) -> Double { objective.indices.reduce(0) { $0 + objective[$1] * (people[$1 + 1] ?? 0) } }
    let runs = (0..<days).flatMap { first in (first..<days).map { last in (first...last).reduce(0) { $0 | 1 << $1 } } }
    func run(_ mask: Int) -> String {
        let first = mask.trailingZeroBitCount
        let last = Int.bitWidth - 1 - mask.leadingZeroBitCount
        return first == last ? names[first] : "\(names[first]) to \(names[last])"
    }
    let counts = runs.map { (what: run($0), objective: patterns.including($0)) } + [(what: "the week", objective: patterns.all)]
    let hidden = counts.filter { count($0.objective) < Double(k) }
    return PatternProgram(
        patterns: patterns,
        constraints: counts.map { run in
            let people = count(run.objective)
            return people < Double(k) ? (run.objective, .atMost, Double(k - 1)) : (run.objective, .equal, people)
        },
        targets: hidden.map { ($0.what, Int(count($0.objective)), $0.objective) },
        name: { pattern in names.indices.filter { pattern & 1 << $0 != 0 }.map { names[$0] }.joined(separator: " and ") })
}
