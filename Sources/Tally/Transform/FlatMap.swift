/// A key of a `FlatMap`: fixed-size and cheap to hash.
protocol FlatMapKey: Equatable {
    /// 64 well-mixed bits; the map uses the high ones.
    var hashBits: UInt64 { get }
}

extension FlatMapKey {
    /// Mixes two words into 64 bits that change with every input bit (a multiply-xorshift finaliser).
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var h = (a &* 0x9E37_79B9_7F4A_7C15) ^ b
        h = (h ^ (h >> 31)) &* 0xD6E8_FEB8_6659_FD93
        return h ^ (h >> 32)
    }

    /// `mix` of four 32-bit fields.
    @inline(__always)
    static func mix(_ a: Int32, _ b: Int32, _ c: Int32, _ d: Int32) -> UInt64 {
        mix(UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)), UInt64(UInt32(bitPattern: c)) << 32 | UInt64(UInt32(bitPattern: d)))
    }
}

/// A hash map for the extract's aggregates, which see one lookup per source row and grow to
/// millions of keys. Keys and values are stored densely in insertion order; an open-addressing
/// table of 8-byte slots (a fragment of the hash and the entry's index) finds them. A lookup reads
/// one slot and one entry, where `Dictionary` hashes with SipHash and touches three arrays, and
/// growing the map rehashes only the slots.
///
/// Not for keys an adversary chooses: the hash is unseeded.
struct FlatMap<Key: FlatMapKey, Value> {
    private(set) var keys: [Key] = []
    /// The entries' values, in the order of `keys`; update them through `index(of:inserting:)`.
    var values: [Value] = []
    /// 0 for an empty slot, else the high 32 bits of the hash and the entry's index + 1.
    private var slots: [UInt64]
    /// log2 of the slot count.
    private var bits: Int

    init() {
        bits = 10
        slots = Array(repeating: 0, count: 1 << bits)
    }

    var count: Int { keys.count }

    /// Where `key` is: its entry, or the empty slot where it would go; and its hash fragment.
    @inline(__always)
    private func probe(_ key: Key) -> (entry: Int?, slot: Int, fragment: UInt64) {
        let hash = key.hashBits
        let mask = (1 << bits) - 1
        var slot = Int(truncatingIfNeeded: hash >> (64 - bits))
        let fragment = hash >> 32
        while true {
            let s = slots[slot]
            if s == 0 { return (nil, slot, fragment) }
            if s >> 32 == fragment {
                let i = Int(truncatingIfNeeded: s & 0xFFFF_FFFF) - 1
                if keys[i] == key { return (i, slot, fragment) }
            }
            slot = (slot + 1) & mask
        }
    }

    /// The entry of `key`, or nil.
    func index(of key: Key) -> Int? {
        probe(key).entry
    }

    /// The entry of `key`, added with `value` first if it has none.
    mutating func index(of key: Key, inserting value: @autoclosure () -> Value) -> Int {
        let (entry, slot, fragment) = probe(key)
        if let entry { return entry }
        let i = keys.count
        keys.append(key)
        values.append(value())
        slots[slot] = fragment << 32 | UInt64(i + 1)
        if keys.count * 2 > slots.count { grow() }
        return i
    }

    subscript(key: Key) -> Value? {
        index(of: key).map { values[$0] }
    }

    /// Doubles the slots (keeping the load at most one half) and places every entry again; the
    /// stored fragment is the hash's high half, which is all a position needs.
    private mutating func grow() {
        precondition(bits < 32, "FlatMap holds at most 2^31 entries")
        bits += 1
        let mask = (1 << bits) - 1
        var grown = [UInt64](repeating: 0, count: 1 << bits)
        for s in slots where s != 0 {
            var slot = Int(truncatingIfNeeded: (s >> 32) >> (32 - bits))
            while grown[slot] != 0 { slot = (slot + 1) & mask }
            grown[slot] = s
        }
        slots = grown
    }
}

extension Int32: FlatMapKey {
    var hashBits: UInt64 { Self.mix(UInt64(UInt32(bitPattern: self)), 0) }
}
