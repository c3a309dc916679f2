import Testing

@testable import Tally

/// Rows of COPY binary output, built by hand as the server sends them: the first one after the file
/// header, the last message the -1 trailer.
@Suite("COPY binary row cursor")
struct BinaryRowCursorTests {
    /// One row of `fields` fields, written by `body`.
    static func row(fields: Int, afterHeader header: [UInt8] = [], _ body: (inout [UInt8]) -> Void) -> [UInt8] {
        var out = header
        CopyBinary.appendRowStart(fields: fields, to: &out)
        body(&out)
        return out
    }

    /// The header with a header extension area of `extension` bytes.
    static func header(extension bytes: [UInt8]) -> [UInt8] {
        var header = Array(CopyBinary.header.prefix(15))
        CopyBinary.appendBigEndian(Int32(bytes.count), to: &header)
        return header + bytes
    }

    static let integers = row(fields: 3) {
        CopyBinary.appendInt16(-7, to: &$0)
        CopyBinary.appendInt32(-80_000, to: &$0)
        CopyBinary.appendInt64(1 << 40, to: &$0)
    }

    /// Reads every field of `bytes` as integers.
    static func readIntegers(_ bytes: [UInt8]) -> [Int64?]? {
        bytes.withUnsafeBytes { raw in
            guard var cursor = BinaryRowCursor(raw) else { return nil }
            return [cursor.nextInteger(), cursor.nextInteger(), cursor.nextInteger()]
        }
    }

    @Test("withIntegers gives a row's integers, NULL as 0, and nil without calling its body for a short row")
    func withIntegers() {
        let withNull = Self.row(fields: 3) {
            CopyBinary.appendInt16(-7, to: &$0)
            CopyBinary.appendNull(to: &$0)
            CopyBinary.appendInt64(1 << 40, to: &$0)
        }
        func read(_ bytes: [UInt8], _ count: Int) -> (values: [Int64]?, calls: Int) {
            var calls = 0
            let values = bytes.withUnsafeBytes { raw -> [Int64]? in
                guard var cursor = BinaryRowCursor(raw) else { return nil }
                return cursor.withIntegers(count) { v in
                    calls += 1
                    return Array(v)
                }
            }
            return (values, calls)
        }
        #expect(read(withNull, 3).values == [-7, 0, 1 << 40])
        #expect(read(Self.integers, 3).values == [-7, -80_000, 1 << 40])
        let short = read(Array(Self.integers.dropLast(4)), 3)
        #expect(short.values == nil && short.calls == 0)
        #expect(read(Self.integers, 4).values == nil, "a fourth field that is not there")
    }

    @Test("smallint, integer and bigint fields read as their values, sign included")
    func integers() {
        #expect(Self.readIntegers(Self.integers) == [-7, -80_000, 1 << 40])
    }

    @Test("the first row is read after the 19-byte header, and after a header extension area")
    func firstRowAfterHeader() {
        #expect(CopyBinary.header.count == 19)
        #expect(Self.readIntegers(CopyBinary.header + Self.integers) == [-7, -80_000, 1 << 40])
        #expect(Self.readIntegers(Self.header(extension: [1, 2, 3, 4, 5]) + Self.integers) == [-7, -80_000, 1 << 40])
    }

    @Test(
        "the trailer, or a header with no row, gives no cursor",
        arguments: [
            CopyBinary.trailer,
            CopyBinary.header + CopyBinary.trailer,
            CopyBinary.header,
            [],
            [0x00],
        ])
    func trailer(bytes: [UInt8]) {
        #expect(bytes.withUnsafeBytes { BinaryRowCursor($0) == nil })
    }

    @Test("NULL fields read as nil and the row stays valid")
    func nulls() {
        let bytes = Self.row(fields: 4) {
            CopyBinary.appendNull(to: &$0)
            CopyBinary.appendText(Array("tv".utf8), to: &$0)
            CopyBinary.appendNull(to: &$0)
            CopyBinary.appendNull(to: &$0)
        }
        bytes.withUnsafeBytes { raw in
            guard var cursor = BinaryRowCursor(raw) else {
                Issue.record("no cursor for a row")
                return
            }
            #expect(cursor.nextInteger() == nil)
            #expect(cursor.next().map { Array($0) } == Array("tv".utf8))
            #expect(cursor.next() == nil)
            #expect(cursor.nextTimestamp() == nil)
            #expect(cursor.isValid)
        }
    }

    @Test("an empty field is empty bytes, not NULL")
    func emptyField() {
        let bytes = Self.row(fields: 1) { CopyBinary.appendText([UInt8](), to: &$0) }
        bytes.withUnsafeBytes { raw in
            var cursor = BinaryRowCursor(raw)
            let field = cursor?.next()
            #expect(field != nil)
            #expect(field?.count == 0)
            #expect(cursor?.isValid == true)
        }
    }

    @Test(
        "timestamps read as microseconds since 2000-01-01; ±infinity read as nil",
        arguments: [
            (Int64(0), Int64(0) as Int64?),
            (-946_684_800_000_000, -946_684_800_000_000),  // 1970-01-01
            (Int64.max, nil),  // 'infinity'
            (Int64.min, nil),  // '-infinity'
        ] as [(Int64, Int64?)])
    func timestamps(value: Int64, expected: Int64?) {
        let bytes = Self.row(fields: 2) {
            CopyBinary.appendInt64(value, to: &$0)
            CopyBinary.appendInt32(1, to: &$0)
        }
        bytes.withUnsafeBytes { raw in
            var cursor = BinaryRowCursor(raw)
            #expect(cursor?.nextTimestamp() == expected)
            #expect(cursor?.isValid == true)
            #expect(cursor?.nextInteger() == 1)
        }
    }

    @Test("CopyBinary's timestamps read back through the cursor")
    func timestampFromUnixSeconds() {
        let bytes = Self.row(fields: 1) { CopyBinary.appendTimestamp(unixSeconds: 1_767_225_600, to: &$0) }
        bytes.withUnsafeBytes { raw in
            var cursor = BinaryRowCursor(raw)
            // Typed, because #expect type-checks an arithmetic right-hand side on its own (as Int).
            let expected: Int64 = (1_767_225_600 - 946_684_800) * 1_000_000
            #expect(cursor?.nextTimestamp() == expected)
        }
    }

    @Test(
        "a field of the wrong width for its reader clears isValid",
        arguments: [
            "integer of 3 bytes", "timestamp of 4 bytes",
        ])
    func wrongWidth(kind: String) {
        let bytes = Self.row(fields: 2) {
            if kind == "integer of 3 bytes" { CopyBinary.appendBytes([0, 0, 1], to: &$0) } else { CopyBinary.appendInt32(5, to: &$0) }
            CopyBinary.appendInt32(9, to: &$0)
        }
        bytes.withUnsafeBytes { raw in
            guard var cursor = BinaryRowCursor(raw) else {
                Issue.record("no cursor for a row")
                return
            }
            #expect((kind == "integer of 3 bytes" ? cursor.nextInteger() : cursor.nextTimestamp()) == nil)
            #expect(!cursor.isValid)
        }
    }

    @Test("a truncated row clears isValid instead of reading past its end", arguments: [1, 2, 3, 5, 7, 9, 12])
    func truncated(cut: Int) {
        // Drop `cut` bytes from the end: into the last value, or into its length word.
        let bytes = Array(Self.integers.dropLast(cut))
        bytes.withUnsafeBytes { raw in
            guard var cursor = BinaryRowCursor(raw) else {
                Issue.record("no cursor for a truncated row")
                return
            }
            #expect(cursor.nextInteger() == -7)
            #expect(cursor.nextInteger() == -80_000)
            #expect(cursor.nextInteger() == nil)
            #expect(!cursor.isValid)
            // Once invalid, it stays invalid and reads nothing.
            #expect(cursor.next() == nil)
            #expect(!cursor.isValid)
        }
    }

    @Test("reading more fields than the row holds clears isValid")
    func pastTheLastField() {
        let bytes = Self.row(fields: 1) { CopyBinary.appendInt32(1, to: &$0) }
        bytes.withUnsafeBytes { raw in
            var cursor = BinaryRowCursor(raw)
            #expect(cursor?.nextInteger() == 1)
            #expect(cursor?.isValid == true)
            #expect(cursor?.nextInteger() == nil)
            #expect(cursor?.isValid == false)
        }
    }
}
