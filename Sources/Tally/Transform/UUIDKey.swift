/// A 128-bit key: a UUID from PostgreSQL's text (36 bytes) or binary (16 bytes) form, held as two
/// integers so it hashes cheaply. It is never turned back into text.
struct UUIDKey: FlatMapKey {
    var high: UInt64
    var low: UInt64

    /// From the 16 bytes of PostgreSQL's binary form; nil for another length.
    init?(bytes: UnsafeRawBufferPointer.SubSequence) {
        guard bytes.count == 16 else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: bytes)
        high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// Parses the canonical form (8-4-4-4-12 hex digits, either case); nil for anything else.
    init?<C: Collection>(_ text: C) where C.Element == UInt8 {
        guard text.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var invalid: UInt8 = 0
        var position = 0
        for byte in text {
            defer { position += 1 }
            if position == 8 || position == 13 || position == 18 || position == 23 {
                if byte != UInt8(ascii: "-") { return nil }
                continue
            }
            let value = Hex.values[Int(byte)]
            invalid |= value & 0xF0
            if position < 19 { high = high << 4 | UInt64(value & 0xF) } else { low = low << 4 | UInt64(value & 0xF) }
        }
        guard invalid == 0 else { return nil }
        self.high = high
        self.low = low
    }

    /// Mixed: not every UUID is random (version 7 ones start with a clock).
    var hashBits: UInt64 { Self.mix(high, low) }
}
