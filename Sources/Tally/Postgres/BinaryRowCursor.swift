/// Walks the fields of one row of COPY binary output (`with (format binary)`), in order. The first
/// row arrives after the file header, which is skipped; the trailer gives no cursor. A row shorter
/// than its lengths claim clears `isValid` instead of reading out of bounds.
package struct BinaryRowCursor {
    private let row: UnsafeRawBufferPointer
    private var position: Int
    package private(set) var isValid = true

    package init?(_ row: UnsafeRawBufferPointer) {
        self.row = row
        position = 0
        // A row starts with its field count, whose first byte is 0; the header with "PGCOPY".
        if row.count >= 19, row[0] == UInt8(ascii: "P"), row.starts(with: CopyBinary.header.prefix(11)) {
            position = 19 + Int(Int32(bigEndian: row.loadUnaligned(fromByteOffset: 15, as: Int32.self)))
        }
        guard position + 2 <= row.count, Int16(bigEndian: row.loadUnaligned(fromByteOffset: position, as: Int16.self)) >= 0 else { return nil }
        position += 2
    }

    /// The next field's bytes; nil for NULL.
    package mutating func next() -> UnsafeRawBufferPointer.SubSequence? {
        guard isValid, position + 4 <= row.count else {
            isValid = false
            return nil
        }
        let length = Int(Int32(bigEndian: row.loadUnaligned(fromByteOffset: position, as: Int32.self)))
        position += 4
        guard length >= 0 else { return nil }
        guard position + length <= row.count else {
            isValid = false
            return nil
        }
        defer { position += length }
        return row[position..<(position + length)]
    }

    /// The next field as a timestamptz, in microseconds since 2000-01-01 (PostgreSQL's epoch); nil
    /// for NULL and for ±infinity.
    package mutating func nextTimestamp() -> Int64? {
        guard let field = next() else { return nil }
        guard field.count == 8 else {
            isValid = false
            return nil
        }
        let value = Int64(bigEndian: UnsafeRawBufferPointer(rebasing: field).loadUnaligned(as: Int64.self))
        return value == .max || value == .min ? nil : value
    }

    /// The next `count` fields as smallints, integers or bigints (NULL as 0), given to `body`
    /// without an allocation per row; nil, and `body` not called, if they were not.
    package mutating func withIntegers<Result>(_ count: Int, _ body: (UnsafeBufferPointer<Int64>) throws -> Result) rethrows -> Result? {
        try withUnsafeTemporaryAllocation(of: Int64.self, capacity: count) { values in
            for i in 0..<count { values[i] = nextInteger() ?? 0 }
            return isValid ? try body(UnsafeBufferPointer(values)) : nil
        }
    }

    /// The next field as a smallint, integer or bigint; nil for NULL.
    package mutating func nextInteger() -> Int64? {
        guard let field = next() else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: field)
        switch raw.count {
        case 2: return Int64(Int16(bigEndian: raw.loadUnaligned(as: Int16.self)))
        case 4: return Int64(Int32(bigEndian: raw.loadUnaligned(as: Int32.self)))
        case 8: return Int64(bigEndian: raw.loadUnaligned(as: Int64.self))
        default:
            isValid = false
            return nil
        }
    }
}
