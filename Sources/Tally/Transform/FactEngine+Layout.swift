extension FactEngine {
    /// Rows and durations grouped by day, and titles numbered densely, built once per compute so
    /// each day and period finds its rows without a scan and its title keys without hashing.
    struct Layout {
        /// The first day with rows or durations; days are indexed from it.
        var firstDay: Int32 = 0
        /// Row indexes in day order; the rows of day index i are rowOrder[rowStart[i]..<rowStart[i + 1]].
        var rowOrder: [Int32] = []
        var rowStart: [Int] = [0]
        var durationOrder: [Int32] = []
        var durationStart: [Int] = [0]
        /// Title ids by dense index, and the dense index of each row's and duration's title.
        var titleIDs: [Int32] = []
        var rowTitle: [Int32] = []
        var durationTitle: [Int32] = []

        init(rows: [Row], durations: [Duration]) {
            let rowDays = rows.lazy.map(\.day)
            let durationDays = durations.lazy.map(\.day)
            guard let first = [rowDays.min(), durationDays.min()].compactMap({ $0 }).min(),
                let last = [rowDays.max(), durationDays.max()].compactMap({ $0 }).max()
            else { return }
            firstDay = first
            (rowOrder, rowStart) = Self.byDay(rowDays, first: first, last: last)
            (durationOrder, durationStart) = Self.byDay(durationDays, first: first, last: last)
            var dense: [Int32: Int32] = [:]
            func index(_ titleID: Int32) -> Int32 {
                if let known = dense[titleID] { return known }
                let i = Int32(titleIDs.count)
                titleIDs.append(titleID)
                dense[titleID] = i
                return i
            }
            rowTitle = rows.map { index($0.titleID) }
            durationTitle = durations.map { index($0.titleID) }
        }

        /// A counting sort of indexes by day (stable).
        private static func byDay<C: Collection>(_ days: C, first: Int32, last: Int32) -> ([Int32], [Int]) where C.Element == Int32 {
            var start = [Int](repeating: 0, count: Int(last - first) + 2)
            for d in days { start[Int(d - first) + 1] += 1 }
            for i in 1..<start.count { start[i] += start[i - 1] }
            var next = start
            var order = [Int32](repeating: 0, count: days.count)
            for (i, d) in days.enumerated() {
                order[next[Int(d - first)]] = Int32(i)
                next[Int(d - first)] += 1
            }
            return (order, start)
        }

        /// The day indexes of a range of days, clamped to the days present.
        func indexes(_ days: ClosedRange<Int32>) -> Range<Int> {
            let lo = max(Int(days.lowerBound) - Int(firstDay), 0)
            let hi = min(Int(days.upperBound) - Int(firstDay) + 1, rowStart.count - 1)
            return lo < hi ? lo..<hi : 0..<0
        }

        func rows(_ days: ClosedRange<Int32>) -> ArraySlice<Int32> {
            let i = indexes(days)
            return i.isEmpty ? [] : rowOrder[rowStart[i.lowerBound]..<rowStart[i.upperBound]]
        }

        func durations(_ days: ClosedRange<Int32>) -> ArraySlice<Int32> {
            let i = indexes(days)
            return i.isEmpty ? [] : durationOrder[durationStart[i.lowerBound]..<durationStart[i.upperBound]]
        }
    }

    /// Title keys by dense title index at the end of one day, computed when first asked for.
    struct KeysOnDay {
        private var keys: [Int32]
        private var day: Int32

        init(titles: Int) {
            keys = [Int32](repeating: .min, count: titles)
            day = .min
        }

        mutating func reset(day: Int32) {
            if day != self.day { keys.withUnsafeMutableBufferPointer { $0.update(repeating: .min) } }
            self.day = day
        }

        mutating func key(_ title: Int32, _ engine: FactEngine, _ layout: Layout) -> Int32 {
            let k = keys[Int(title)]
            if k != .min { return k }
            let computed = engine.titleKey(layout.titleIDs[Int(title)], on: day)
            keys[Int(title)] = computed
            return computed
        }
    }
}
