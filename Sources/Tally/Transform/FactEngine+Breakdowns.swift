extension FactEngine {
    /// The audience dimensions a title's week or month is broken down by, one at a time, and the
    /// value of each segment key in each (from the dimension tables). A value's code is
    /// `dimension << 5 | index`, so a title-period's cells fit one array of 160.
    struct Breakdowns: Sendable {
        enum Dimension: Int, CaseIterable, Sendable {
            case deviceClass, region, ageBand, plan, kids
            /// As `fact_title_period_breakdown.dimension` spells it.
            var name: String { ["device_class", "region", "age_band", "plan", "kids"][rawValue] }
        }

        /// Each dimension's value names, by index; at most 31 each (index 31 stands for a key the
        /// dimension tables did not have, "unknown").
        private(set) var names: [[String]] = Dimension.allCases.map { _ in [] }
        /// By device key: the device class's index.
        private var device: [UInt8] = []
        /// By region key: the region's index.
        private var region: [UInt8] = []
        /// By audience key: the age band's, the plan's and the kids flag's indexes.
        private var audience: [(ageBand: UInt8, plan: UInt8, kids: UInt8)] = []

        static let unknown: UInt8 = 31

        var isEmpty: Bool { device.isEmpty && region.isEmpty && audience.isEmpty }

        init() {}

        /// From the dimension rows: (device key, device class), (region key, region) and
        /// (audience key, age band, plan, kids).
        init(devices: [(Int16, String)], regions: [(Int16, String)], audiences: [(Int16, String, String, Bool)]) {
            func index(_ value: String, in dimension: Dimension) -> UInt8 {
                if let i = names[dimension.rawValue].firstIndex(of: value) { return UInt8(i) }
                guard names[dimension.rawValue].count < Int(Self.unknown) else { return Self.unknown }
                names[dimension.rawValue].append(value)
                return UInt8(names[dimension.rawValue].count - 1)
            }
            func place<T>(_ key: Int16, _ value: T, in table: inout [T], filler: T) {
                guard key >= 0, key < 4_096 else { return }
                if table.count <= Int(key) { table += Array(repeating: filler, count: Int(key) + 1 - table.count) }
                table[Int(key)] = value
            }
            let none = Self.unknown
            for (key, value) in devices { place(key, index(value, in: .deviceClass), in: &device, filler: none) }
            for (key, value) in regions { place(key, index(value, in: .region), in: &region, filler: none) }
            for (key, ageBand, plan, kids) in audiences {
                let value = (index(ageBand, in: .ageBand), index(plan, in: .plan), index(kids ? "kids" : "adults", in: .kids))
                place(key, value, in: &audience, filler: (none, none, none))
            }
        }

        /// Calls `body` with the code of a row's value in each dimension.
        func forEachCode(device d: Int16, region r: Int16, audience a: Int16, _ body: (UInt8) -> Void) {
            func at<T>(_ table: [T], _ key: Int16) -> T? { key >= 0 && Int(key) < table.count ? table[Int(key)] : nil }
            let people = at(audience, a) ?? (Self.unknown, Self.unknown, Self.unknown)
            body(UInt8(Dimension.deviceClass.rawValue << 5) | (at(device, d) ?? Self.unknown))
            body(UInt8(Dimension.region.rawValue << 5) | (at(region, r) ?? Self.unknown))
            body(UInt8(Dimension.ageBand.rawValue << 5) | people.ageBand)
            body(UInt8(Dimension.plan.rawValue << 5) | people.plan)
            body(UInt8(Dimension.kids.rawValue << 5) | people.kids)
        }

        /// The dimension and value name of a code.
        func describe(_ code: UInt8) -> (dimension: Dimension, value: String) {
            let dimension = Dimension(rawValue: Int(code >> 5))!
            let index = Int(code & 31)
            return (dimension, index < names[dimension.rawValue].count ? names[dimension.rawValue][index] : "unknown")
        }
    }

    /// Breaks a title-period down by each audience dimension: distinct viewers, plays, completed
    /// plays and watch time per value, over the rows `group` yields.
    func breakdown(
        period: Period, titleKey: Int32, group: (_ visit: (Row) -> Void) -> Void, seen: inout Set<Int64>, into facts: inout Facts
    ) {
        var cells = [FactMeasures](repeating: FactMeasures(), count: 160)
        var used = [Bool](repeating: false, count: 160)
        var touched: [UInt8] = []
        seen.removeAll(keepingCapacity: true)
        group { r in
            breakdowns.forEachCode(device: r.device, region: r.region, audience: r.audience) { code in
                if !used[Int(code)] {
                    used[Int(code)] = true
                    touched.append(code)
                }
                cells[Int(code)].add(r)
                if r.plays > 0 && seen.insert(Int64(r.person) << 8 | Int64(code)).inserted { cells[Int(code)].viewers += 1 }
            }
        }
        for code in touched.sorted() {
            let (dimension, value) = breakdowns.describe(code)
            facts.breakdowns.append(BreakdownFact(period: period, titleKey: titleKey, dimension: dimension, value: value, measures: cells[Int(code)]))
        }
    }
}
