import Foundation
import Testing

@testable import Tally

@Suite("Days and timestamps")
struct DayTests {
    static func parse(_ text: String) -> Date? {
        Array(text.utf8).withUnsafeBufferPointer { PostgresTimestamp.parse($0) }
    }

    @Test(
        "days since 1970-01-01 of known dates",
        arguments: [
            (1970, 1, 1, 0),
            (1969, 12, 31, -1),
            (2000, 1, 1, 10_957),
            (2024, 2, 29, 19_782),
            (1600, 3, 1, -135_080),
            (1, 1, 1, -719_162),
            (9999, 12, 31, 2_932_896),
        ])
    func knownDays(year: Int, month: Int, day: Int, days: Int) {
        #expect(Day(year: year, month: month, day: day).daysSince1970 == Int32(days))
        #expect(Day(daysSince1970: Int32(days)).civil == (year, month, day))
    }

    @Test(
        "February has 29 days in leap years only: every 4th year, not every 100th, but every 400th",
        arguments: [
            (2024, true), (2023, false), (2000, true), (1900, false), (2100, false), (1600, true), (-4, true), (-100, false),
        ])
    func leapYears(year: Int, isLeap: Bool) {
        let march1 = Day(year: year, month: 3, day: 1)
        let february28 = Day(year: year, month: 2, day: 28)
        #expect(february28.distance(to: march1) == (isLeap ? 2 : 1))
        #expect(february28.advanced(by: 1).civil == (isLeap ? (year, 2, 29) : (year, 3, 1)))
    }

    @Test("every day from year -400 to 2400 converts to a date and back, one day after the other")
    func roundTrip() {
        let first = Day(year: -400, month: 1, day: 1).daysSince1970
        let last = Day(year: 2400, month: 12, day: 31).daysSince1970
        var previous: (year: Int, month: Int, day: Int) = Day(daysSince1970: first - 1).civil
        var failures = 0
        for days in first...last {
            let (y, m, d) = Day(daysSince1970: days).civil
            if Day(year: y, month: m, day: d).daysSince1970 != days { failures += 1 }
            // The next day is the next day of the month, or the 1st of the next month or year.
            let (py, pm, pd) = previous
            let follows = (y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1) || (y == py + 1 && m == 1 && d == 1 && pm == 12)
            if !follows { failures += 1 }
            previous = (y, m, d)
        }
        #expect(failures == 0)
        #expect(Int(last - first) + 1 == 2_801 * 365 + 680)  // 680 leap years in -400...2400
    }

    @Test(
        "timestamps format in UTC with microseconds",
        arguments: [
            (0.0, "1970-01-01 00:00:00.000000+00"),
            (-0.5, "1969-12-31 23:59:59.500000+00"),
            (-86_400.0, "1969-12-31 00:00:00.000000+00"),
            (951_782_400.25, "2000-02-29 00:00:00.250000+00"),
            (1_767_225_599.999_999, "2025-12-31 23:59:59.999999+00"),
            (0.999_999_7, "1970-01-01 00:00:01.000000+00"),  // rounds up into the next second
        ])
    func format(seconds: Double, text: String) {
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test(
        "the server's ISO output parses, with or without fraction and offset",
        arguments: [
            ("2024-05-01 12:34:56", 1_714_566_896.0),
            ("2024-05-01 12:34:56+00", 1_714_566_896.0),
            ("2024-05-01 12:34:56.5+02", 1_714_559_696.5),
            ("2024-05-01 12:34:56-03:30", 1_714_579_496.0),
            ("2024-05-01 12:34:56+05:30:15", 1_714_547_081.0),
            ("1969-12-31 23:59:59.999999+00", -0.000_001),
        ])
    func parse(text: String, seconds: Double) throws {
        let date = try #require(Self.parse(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_000_5)
    }

    @Test(
        "anything else does not parse",
        arguments: [
            "", "2024-05-01", "2024-05-01T12:34:56Z", "2024-5-01 12:34:56", "2024-05-01 12:34:56 BC", "infinity", "2024-05-01 12:34:56+2",
            "2024-05-01 12:34:56+02junk",
        ])
    func parseRefuses(text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test("what format writes, parse reads back to the microsecond")
    func formatThenParse() throws {
        for seconds in [0.0, -1.25, 1_714_566_896.123_456, 4_102_444_799.000_001, -2_208_988_800.5] {
            let text = PostgresTimestamp.format(Date(timeIntervalSince1970: seconds))
            let date = try #require(Self.parse(text))
            #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_001, "\(text)")
        }
    }

    @Test("days print as YYYY-MM-DD, padded, and parse back; impossible days do not parse")
    func dayText() {
        #expect(Day(year: 99, month: 1, day: 5).description == "0099-01-05")
        #expect(Day("2024-02-29") == Day(year: 2024, month: 2, day: 29))
        #expect(Day("2024-02-29")?.description == "2024-02-29")
        #expect(Day("2023-02-29") == nil)
        #expect(Day("2024-13-01") == nil)
        #expect(Day("2024/02/29") == nil)
        #expect(Day("0001-01-01 BC") == nil)
        #expect(Day(year: 2023, month: 12, day: 31) < Day(year: 2024, month: 1, day: 1))
        #expect(Day(year: 2024, month: 1, day: 31) < Day(year: 2024, month: 2, day: 1))
    }

    @Test("week starts are Mondays, months run first to last day, date keys read yyyymmdd")
    func calendar() {
        func day(_ y: Int, _ m: Int, _ d: Int) -> Day { Day(year: y, month: m, day: d) }
        #expect(day(2024, 3, 3).weekStart == day(2024, 2, 26))  // a Sunday: the Monday before
        #expect(day(2024, 2, 26).weekStart == day(2024, 2, 26))  // a Monday: itself
        #expect(day(1969, 12, 31).weekStart == day(1969, 12, 29))  // before 1970 too
        #expect(day(2024, 2, 10).month == day(2024, 2, 1)...day(2024, 2, 29))
        #expect(day(2023, 12, 31).month == day(2023, 12, 1)...day(2023, 12, 31))
        #expect(day(2024, 2, 29).dateKey == 20_240_229)
        #expect(day(1969, 12, 31).dateKey == 19_691_231)
    }

    @Test("a day in COPY binary is days since 2000-01-01, as PostgreSQL sends it")
    func binary() {
        var out: [UInt8] = []
        CopyBinary.append(Day(year: 2000, month: 1, day: 2), to: &out)
        #expect(out == [0, 0, 0, 4, 0, 0, 0, 1])
        out = []
        CopyBinary.append(Day(year: 1999, month: 12, day: 31), to: &out)
        #expect(out == [0, 0, 0, 4, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test("hex encodes lowercase and decodes either case; odd lengths and non-digits do not decode")
    func hex() {
        #expect(Hex.encode([0x00, 0x0F, 0xA5, 0xFF]) == "000fa5ff")
        #expect(Hex.decode(Array("000FA5ff".utf8)) == [0x00, 0x0F, 0xA5, 0xFF])
        #expect(Hex.decode(Array("abc".utf8)) == nil)
        #expect(Hex.decode(Array("zz".utf8)) == nil)
    }

    @Test("array parameters quote each element and escape quotes and backslashes")
    func arrays() {
        #expect(PostgresArray([1, 2]).postgresText == "{\"1\",\"2\"}")
        #expect(PostgresArray(["a\"b", "c\\d"]).postgresText == "{\"a\\\"b\",\"c\\\\d\"}")
        #expect(PostgresArray([Day(year: 2024, month: 2, day: 29)]).postgresText == "{\"2024-02-29\"}")
        #expect(PostgresArray([Int]()).postgresText == "{}")
    }
}
