extension FactEngine {
    /// What to recompute.
    struct Scope {
        var days: [Int32]
        var periods: [Period]
        var asOf: [Int32]
        /// The days whose private state the facts need, as disjoint ranges in order.
        var stateDays: [ClosedRange<Int32>]

        /// The days touched from `cutoff` on (private state before it is partly purged), their weeks
        /// and months unless they start before `cutoff`, and every as-of day up to `streakMax - 1`
        /// later, up to `lastDay`, whose window does not start before `cutoff`.
        init(days touched: [Int32], cutoff: Int32, lastDay: Int32, streakMax: Int) {
            days = Array(Set(touched.filter { $0 >= cutoff })).sorted()
            var periods = Set<Period>()
            var asOf = Set<Int32>()
            for d in days {
                let week = Day(daysSince1970: d).weekStart.daysSince1970
                periods.insert(Period(kind: .week, start: week, finish: week + 6))
                let month = Day(daysSince1970: d).month
                periods.insert(Period(kind: .month, start: month.lowerBound.daysSince1970, finish: month.upperBound.daysSince1970))
                for g in 0..<Int32(streakMax) where d + g <= lastDay && d + g - Int32(streakMax - 1) >= cutoff {
                    asOf.insert(d + g)
                }
            }
            self.periods = periods.filter { $0.start >= cutoff }.sorted { ($0.kind.rawValue, $0.start) < ($1.kind.rawValue, $1.start) }
            self.asOf = asOf.sorted()
            let needed =
                days.map { $0...$0 } + self.periods.map { $0.start...$0.finish }
                + self.asOf.map { ($0 - Int32(streakMax - 1))...$0 }
            var merged: [ClosedRange<Int32>] = []
            for range in needed.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            stateDays = merged
        }
    }
}
