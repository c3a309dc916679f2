import Foundation

/// SplitMix64: a small, fast, seedable generator, so the same `--seed` always gives the same data
/// (Swift's SystemRandomNumberGenerator cannot be seeded).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// SplitMix64's finaliser: a bijective scramble of 64 bits.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A generator for a sub-stream (one day, one account), independent of how much others drew.
    /// Seeds are scrambled, not just offset: streams seeded a fixed step apart would be the same
    /// sequence shifted, and would repeat each other's values (duplicate ids).
    func derived(_ salt: UInt64) -> SeededGenerator {
        SeededGenerator(seed: Self.mix(state &+ Self.mix(salt &+ 0x632B_E59B_D9B4_E019)))
    }
}

/// Draws indexes with Zipf-like weights (rank r has weight 1 / r^s) by binary search on the CDF.
struct ZipfTable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 1...max(count, 1) {
            total += 1 / pow(Double(rank), exponent)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    func draw(_ generator: inout SeededGenerator) -> Int {
        let u = generator.unit()
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < u { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
