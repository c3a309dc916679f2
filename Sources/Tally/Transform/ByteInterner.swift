import Foundation

/// Small integer codes for byte strings that repeat (device types, countries).
struct ByteInterner {
    private var values: [[UInt8]] = []
    private var codes: [[UInt8]: Int32] = [:]

    mutating func code(_ raw: UnsafeRawBufferPointer) -> Int32 {
        func matches(_ value: [UInt8]) -> Bool {
            value.count == raw.count && value.withUnsafeBytes { memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }
        }
        // Few distinct values in practice: a linear scan beats hashing until there are many.
        if values.count <= 16 {
            for (i, v) in values.enumerated() where matches(v) { return Int32(i) }
        } else if let known = codes[Array(raw)] {
            return known
        }
        return insert(Array(raw))
    }

    mutating func code(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Int32 {
        code(UnsafeRawBufferPointer(rebasing: bytes))
    }

    private mutating func insert(_ bytes: [UInt8]) -> Int32 {
        let code = Int32(values.count)
        values.append(bytes)
        codes[bytes] = code
        return code
    }

    /// Every value, by code.
    var texts: [String] { values.map { String(decoding: $0, as: UTF8.self) } }
}
