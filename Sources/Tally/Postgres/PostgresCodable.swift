import Foundation

/// The text form of one non-NULL value as the server sent it, with its type.
public struct PostgresValueText {
    /// The bytes of the value in PostgreSQL's text output format.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// The column's type OID (`pg_type.oid`).
    public let typeOID: UInt32
    /// The column name, for error messages.
    public let column: String

    /// The value as a Swift string.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    func mismatch(_ swiftType: String) -> PostgresError {
        PostgresError(
            code: .decoding,
            message: "column \(column) of type \(PostgresType.name(of: typeOID)) cannot be decoded as \(swiftType)")
    }
}

/// Well-known type OIDs (from `pg_type.dat`, stable across server versions).
public enum PostgresType {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let name: UInt32 = 19
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let oid: UInt32 = 26
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950

    static func name(of typeOID: UInt32) -> String {
        let names: [UInt32: String] = [
            bool: "boolean", bytea: "bytea", name: "name", int8: "bigint", int2: "smallint", int4: "integer",
            text: "text", oid: "oid", float4: "real", float8: "double precision", bpchar: "character",
            varchar: "character varying", date: "date", timestamp: "timestamp", timestamptz: "timestamptz",
            numeric: "numeric", uuid: "uuid",
        ]
        return names[typeOID] ?? "oid \(typeOID)"
    }
}

/// A Swift type that can be built from a column value.
public protocol PostgresDecodable {
    /// Decodes a non-NULL value.
    static func decode(_ value: PostgresValueText) throws(PostgresError) -> Self
    /// Decodes SQL NULL; only Optional accepts it.
    static func decodeNull(column: String) throws(PostgresError) -> Self
}

extension PostgresDecodable {
    public static func decodeNull(column: String) throws(PostgresError) -> Self {
        throw PostgresError(
            code: .decoding,
            message: "column \(column) is NULL; decode it as \(Self.self)? to accept NULL")
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> Wrapped? {
        try Wrapped.decode(value)
    }
    public static func decodeNull(column: String) throws(PostgresError) -> Wrapped? { nil }
}

extension String: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> String { value.string }
}

extension Int: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> Int {
        guard [PostgresType.int2, PostgresType.int4, PostgresType.int8, PostgresType.oid].contains(value.typeOID),
            let n = Int(value.string)
        else { throw value.mismatch("Int") }
        return n
    }
}

extension Bool: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> Bool {
        guard value.typeOID == PostgresType.bool, value.bytes.count == 1 else { throw value.mismatch("Bool") }
        return value.bytes[0] == UInt8(ascii: "t")
    }
}

extension Double: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> Double {
        let numeric: [UInt32] = [
            PostgresType.float4, PostgresType.float8, PostgresType.numeric,
            PostgresType.int2, PostgresType.int4, PostgresType.int8,
        ]
        guard numeric.contains(value.typeOID), let d = Double(value.string) else { throw value.mismatch("Double") }
        return d
    }
}

extension Decimal: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> Decimal {
        let exact: [UInt32] = [PostgresType.numeric, PostgresType.int2, PostgresType.int4, PostgresType.int8]
        guard exact.contains(value.typeOID), let d = Decimal(string: value.string, locale: Locale(identifier: "en_US_POSIX"))
        else { throw value.mismatch("Decimal") }
        return d
    }
}

extension UUID: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> UUID {
        guard value.typeOID == PostgresType.uuid, let u = UUID(uuidString: value.string) else { throw value.mismatch("UUID") }
        return u
    }
}

/// bytea, decoded from the server's hex output format (`\x0a1b...`).
extension Array: PostgresDecodable where Element == UInt8 {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> [UInt8] {
        let b = value.bytes
        guard value.typeOID == PostgresType.bytea, b.count >= 2, b[0] == UInt8(ascii: "\\"), b[1] == UInt8(ascii: "x"),
            let bytes = Hex.decode(b[2...])
        else { throw value.mismatch("[UInt8] (bytea in hex format)") }
        return bytes
    }
}

/// timestamptz and timestamp, read from ISO output (`2024-05-01 12:34:56.123456+02`).
/// The connection sets `DateStyle` to ISO so this is the only form to expect.
extension Date: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> Date {
        guard value.typeOID == PostgresType.timestamptz || value.typeOID == PostgresType.timestamp,
            let date = PostgresTimestamp.parse(value.bytes)
        else { throw value.mismatch("Date") }
        return date
    }
}

/// timestamptz text as the server writes it with DateStyle ISO, and as tally sends it.
enum PostgresTimestamp {
    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][{+|-}HH[:MM[:SS]]]`; a missing offset means UTC.
    static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Date? {
        var i = 0
        func number(_ digits: Int) -> Int? {
            guard i + digits <= b.count else { return nil }
            var n = 0
            for _ in 0..<digits {
                let c = b[i]
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int(c - 48)
                i += 1
            }
            return n
        }
        func expect(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2),
            expect(" "), let hour = number(2), expect(":"), let minute = number(2), expect(":"),
            let second = number(2)
        else { return nil }
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let h = number(2) else { return nil }
            var seconds = h * 3600
            if expect(":"), let m = number(2) { seconds += m * 60 }
            if expect(":"), let s = number(2) { seconds += s }
            offset = sign * seconds
        }
        guard i == b.count else { return nil }
        let days = Int(Day(year: year, month: month, day: day).daysSince1970)
        let epoch = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
        return Date(timeIntervalSince1970: epoch)
    }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, in UTC.
    static func format(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var seconds = Int(t.rounded(.down))
        var micros = Int(((t - Double(seconds)) * 1_000_000).rounded())
        if micros == 1_000_000 {
            seconds += 1
            micros = 0
        }
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (y, m, d) = Day(daysSince1970: Int32(days)).civil
        func pad(_ n: Int, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2)) \(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(micros, 6))+00"
    }
}

/// A Swift value that can be sent as a statement parameter.
public protocol PostgresEncodable {
    /// The parameter in text format, or nil for SQL NULL.
    var postgresText: String? { get }
    /// The type OID to declare, or 0 to let the server infer it.
    var postgresTypeOID: UInt32 { get }
}

extension PostgresEncodable {
    public var postgresTypeOID: UInt32 { 0 }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
    public var postgresTypeOID: UInt32 { self?.postgresTypeOID ?? 0 }
}

extension String: PostgresEncodable {
    public var postgresText: String? { self }
}

extension Int: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public var postgresText: String? { self ? "t" : "f" }
}

extension Double: PostgresEncodable {
    public var postgresText: String? { String(self) }
}

extension Decimal: PostgresEncodable {
    public var postgresText: String? { NSDecimalNumber(decimal: self).description(withLocale: Locale(identifier: "en_US_POSIX")) }
}

extension UUID: PostgresEncodable {
    public var postgresText: String? { uuidString.lowercased() }
}

extension Date: PostgresEncodable {
    public var postgresText: String? { PostgresTimestamp.format(self) }
    public var postgresTypeOID: UInt32 { PostgresType.timestamptz }
}

/// bytea, sent in hex text format so no binary-format parameters are needed.
extension Array: PostgresEncodable where Element == UInt8 {
    public var postgresText: String? {
        "\\x" + Hex.encode(self)
    }
    public var postgresTypeOID: UInt32 { PostgresType.bytea }
}

/// A one-dimensional array parameter (`{a,b,c}`), each element written as its own text form,
/// quoted; the one encoder for arrays. Declare the type in SQL (`$1::int[]`).
public struct PostgresArray<Element: PostgresEncodable>: PostgresEncodable {
    public var elements: [Element]

    /// An array of these elements.
    public init(_ elements: [Element]) {
        self.elements = elements
    }

    public var postgresText: String? {
        let items = elements.map { element -> String in
            guard let text = element.postgresText else { return "NULL" }
            return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "{" + items.joined(separator: ",") + "}"
    }
}
