/// PostgreSQL's COPY binary format (`copy ... from stdin with (format binary)`), for writers that
/// produce many rows of fixed types: the server parses no text, so ingest is faster than COPY text.
/// Layout (PostgreSQL docs, "COPY", Binary Format): a signature and two int32s, then per row an int16
/// field count and per field an int32 length (-1 for NULL) and the value in the type's send format,
/// then an int16 -1 trailer. All integers are big-endian.
public enum CopyBinary {
    /// The file header: signature, flags, header extension length.
    public static let header: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
    /// The file trailer.
    public static let trailer: [UInt8] = [0xFF, 0xFF]

    /// Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01 (UTC).
    static let postgresEpochMicroseconds: Int64 = 946_684_800 * 1_000_000

    /// Starts a row of `fields` fields.
    public static func appendRowStart(fields: Int, to out: inout [UInt8]) {
        appendBigEndian(Int16(fields), to: &out)
    }

    public static func appendNull(to out: inout [UInt8]) {
        appendBigEndian(Int32(-1), to: &out)
    }

    /// An `integer` (int4).
    public static func appendInt32(_ value: Int32, to out: inout [UInt8]) {
        appendBigEndian(Int32(4), to: &out)
        appendBigEndian(value, to: &out)
    }

    /// A `smallint` (int2).
    public static func appendInt16(_ value: Int16, to out: inout [UInt8]) {
        appendBigEndian(Int32(2), to: &out)
        appendBigEndian(value, to: &out)
    }

    /// A `bigint` (int8).
    public static func appendInt64(_ value: Int64, to out: inout [UInt8]) {
        appendBigEndian(Int32(8), to: &out)
        appendBigEndian(value, to: &out)
    }

    /// A `date` from days since 1970-01-01.
    public static func appendDate(daysSince1970 days: Int32, to out: inout [UInt8]) {
        appendBigEndian(Int32(4), to: &out)
        appendBigEndian(days - 10_957, to: &out)  // PostgreSQL counts from 2000-01-01
    }

    /// A `bytea`.
    public static func appendBytes(_ bytes: some Collection<UInt8>, to out: inout [UInt8]) {
        appendBigEndian(Int32(bytes.count), to: &out)
        out.append(contentsOf: bytes)
    }

    public static func appendBool(_ value: Bool, to out: inout [UInt8]) {
        appendBigEndian(Int32(1), to: &out)
        out.append(value ? 1 : 0)
    }

    /// A `uuid` from its 16 bytes.
    public static func appendUUID(
        _ bytes: (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
        ), to out: inout [UInt8]
    ) {
        appendBigEndian(Int32(16), to: &out)
        withUnsafeBytes(of: bytes) { out.append(contentsOf: $0) }
    }

    /// A `timestamptz` from seconds since 1970-01-01 UTC.
    public static func appendTimestamp(unixSeconds: Int64, to out: inout [UInt8]) {
        appendBigEndian(Int32(8), to: &out)
        appendBigEndian(unixSeconds * 1_000_000 - postgresEpochMicroseconds, to: &out)
    }

    /// A `text`, `varchar` or `char(n)` value from UTF-8 bytes (no escaping in binary format).
    public static func appendText<S: Collection>(_ utf8: S, to out: inout [UInt8]) where S.Element == UInt8 {
        appendBigEndian(Int32(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    /// An IPv4 `inet` host address (family, prefix bits, is_cidr, length, then the address).
    public static func appendIPv4(_ address: UInt32, to out: inout [UInt8]) {
        appendBigEndian(Int32(8), to: &out)
        out.append(contentsOf: [2, 32, 0, 4])  // PGSQL_AF_INET, /32, not cidr, 4 bytes
        appendBigEndian(address, to: &out)
    }

    static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }
}
