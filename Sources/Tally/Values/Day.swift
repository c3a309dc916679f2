/// A calendar day, as PostgreSQL's `date`: days since 1970-01-01 in the proleptic Gregorian
/// calendar. Every day the load handles is one of these, and it says itself how it is written: as
/// text (`2026-11-30`), as the yyyymmdd key of `dim_date`, or in COPY binary.
public struct Day: Hashable, Comparable, Strideable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 (a Thursday); negative before it.
    public var daysSince1970: Int32

    /// The day `daysSince1970` days after 1970-01-01.
    public init(daysSince1970: Int32) {
        self.daysSince1970 = daysSince1970
    }

    /// A day from its civil parts; out-of-range months or days roll over as in Howard Hinnant's
    /// algorithm, so callers validate first (`init?(_:)` does).
    public init(year: Int, month: Int, day: Int) {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        daysSince1970 = Int32(era * 146_097 + doe - 719_468)
    }

    /// Parses `YYYY-MM-DD` (a real day of the calendar); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), d >= 1
        else { return nil }
        self.init(year: y, month: m, day: d)
        guard civil == (y, m, d) else { return nil }
    }

    /// Year, month (1–12) and day of month (1–31).
    public var civil: (year: Int, month: Int, day: Int) {
        let z = Int(daysSince1970) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// The yyyymmdd smart key of `analytics.dim_date` (as `etl.date_key` computes it in SQL).
    public var dateKey: Int32 {
        let (y, m, d) = civil
        return Int32(y * 10_000 + m * 100 + d)
    }

    /// The Monday that starts this day's ISO week.
    public var weekStart: Day {
        Day(daysSince1970: daysSince1970 - Int32(((Int(daysSince1970) % 7) + 7 + 3) % 7))
    }

    /// The first and last day of this day's month.
    public var month: ClosedRange<Day> {
        let (y, m, _) = civil
        let start = Day(year: y, month: m, day: 1)
        let next = m == 12 ? Day(year: y + 1, month: 1, day: 1) : Day(year: y, month: m + 1, day: 1)
        return start...next.advanced(by: -1)
    }

    /// `YYYY-MM-DD`, as PostgreSQL writes a date.
    public var description: String {
        let (y, m, d) = civil
        func pad(_ n: Int, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    public static func < (a: Day, b: Day) -> Bool { a.daysSince1970 < b.daysSince1970 }

    public func distance(to other: Day) -> Int32 { other.daysSince1970 - daysSince1970 }

    public func advanced(by n: Int32) -> Day { Day(daysSince1970: daysSince1970 + n) }
}

extension Day: PostgresEncodable {
    public var postgresText: String? { description }
    public var postgresTypeOID: UInt32 { PostgresType.date }
}

extension Day: PostgresDecodable {
    public static func decode(_ value: PostgresValueText) throws(PostgresError) -> Day {
        guard value.typeOID == PostgresType.date, let day = Day(value.string) else { throw value.mismatch("Day") }
        return day
    }
}

extension CopyBinary {
    /// A `date`: PostgreSQL sends days since 2000-01-01.
    public static func append(_ day: Day, to out: inout [UInt8]) {
        appendBigEndian(Int32(4), to: &out)
        appendBigEndian(day.daysSince1970 - 10_957, to: &out)
    }
}

extension Day: Codable {
    /// A day in JSON is its `YYYY-MM-DD` text.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let day = Day(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not a YYYY-MM-DD day")
        }
        self = day
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
