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

/// What a range is sought for: the people of a count, or the people with days in at least m, or in
/// exactly m, of the month's parts (its weeks, or its days), each part given as the pattern of its
/// days, in order.
enum DayTarget {
    case count(DayCount)
    case atLeast(Int, of: [UInt32])
    case exactly(Int, of: [UInt32])

    func counts(_ pattern: UInt32) -> Bool {
        switch self {
        case .count(let count): count.counts(pattern)
        case .atLeast(let m, let parts): parts.count(where: { pattern & $0 != 0 }) >= m
        case .exactly(let m, let parts): parts.count(where: { pattern & $0 != 0 }) == m
        }
    }
}

/// The month's patterns of days (2^30 of them) for `ColumnProgram`: the pricing problem is a
/// dynamic program over the days, exact because each count is a run of days.
struct DayPricing: Pricing {
    let days: Int

    init(days: Int) {
        precondition((1...31).contains(days))
        self.days = days
    }

    var seeds: [UInt32] { (0..<days).map { UInt32(1) << $0 } }
    var items: Int { days }
    func has(_ pattern: UInt32, _ item: Int) -> Bool { pattern & 1 << item != 0 }
    func count(of item: Int) -> DayCount { .day(item) }
    var everyone: DayCount { DayCount(days: 0...(days - 1), every: false) }
    func count(_ count: DayCount, has pattern: UInt32) -> Bool { count.counts(pattern) }
    func target(_ target: DayTarget, has pattern: UInt32) -> Bool { target.counts(pattern) }

    /// For each last day on, the non-empty pattern of days with the largest sum of the weights of the
    /// counts it is in, and of the target's weight if it is in the target, by a dynamic program over its last day on, the
    /// first day of the run that ends there and (for a target of m parts) the parts it has touched.
    func best(_ weights: [(count: DayCount, weight: Double)], target: (target: DayTarget, weight: Double)?, isNew: (UInt32) -> Bool) -> [(
        pattern: UInt32, gain: Double
    )]? {
        let n = days
        var weights = weights
        var parts = [Int](repeating: 0, count: n)
        // A target of parts adds its weight to the patterns that touch m of them (at least m: the
        // count of parts touched stops at m; exactly m: at m + 1, which has no weight).
        var m = 0
        var cap = 0
        switch target {
        case (.count(let count), let weight)?: weights.append((count, weight))
        case (.atLeast(let least, let of), _)?, (.exactly(let least, let of), _)?:
            // The program counts a part when a day on lies in another part than the day on before
            // it: the parts must be runs of days, in order, that cover the month.
            precondition(of.reduce(0, |) == UInt32((1 << n) - 1) && zip(of, of.dropFirst()).allSatisfy { $0 < $1 && $0 & $1 == 0 })
            precondition(of.allSatisfy { ($0 >> $0.trailingZeroBitCount) & (($0 >> $0.trailingZeroBitCount) + 1) == 0 })
            m = least
            if case .exactly = target?.target { cap = m + 1 } else { cap = m }
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
        // A state is a last day on d, its run's first day s and the parts touched c (at most cap):
        // value[(d * n + s) * width + c] is the best pattern in it, from[...] its previous state (-1: none).
        let width = cap + 1
        let touched = { (c: Int, same: Bool) in min(cap, c + (same ? 0 : 1)) }
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
            reach((d * n + d) * width + min(cap, 1), every[d * (n + 1) + d] + some[d * (n + 1)], -1)
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
        // The target of parts adds its weight to the states that touched m. The best pattern of
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
