import Foundation
import Tally
import Testing

@Suite("Typed decoding and parameters", .enabled(if: TestServer.isAvailable))
struct PostgresDecodingTests {
    @Test("every listed type decodes from the server, NULL included")
    func decodesEveryType() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute("set timezone = 'Asia/Kolkata'")
            let row = try connection.query(
                """
                select 32767::int2, 2147483647::int4, 9223372036854775807::int8, 'héllo'::text, true, false,
                       12345.678900::numeric, '2024-02-29'::date, '2024-02-29 23:59:58.25+00'::timestamptz,
                       'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '\\x00ff10'::bytea, null::int4, null::text
                """)[0]
            #expect(try row.decode(0, as: Int.self) == 32767)
            #expect(try row.decode(1, as: Int.self) == 2_147_483_647)
            #expect(try row.decode(2, as: Int.self) == Int.max)
            #expect(try row.decode(3, as: String.self) == "héllo")
            #expect(try row.decode(4, as: Bool.self) == true)
            #expect(try row.decode(5, as: Bool.self) == false)
            #expect(try row.decode(6, as: String.self) == "12345.678900")
            #expect(try row.decode(6, as: Decimal.self) == Decimal(string: "12345.6789"))
            #expect(try row.decode(7, as: Day.self) == Day(year: 2024, month: 2, day: 29))
            // The session's time zone makes the server print +05:30; the instant must not change.
            #expect(try row.decode(8, as: Date.self) == Date(timeIntervalSince1970: 1_709_251_198.25))
            #expect(try row.decode(9, as: UUID.self) == UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
            #expect(try row.decode(10, as: [UInt8].self) == [0x00, 0xFF, 0x10])
            #expect(try row.decode(11, as: Int?.self) == nil)
            #expect(try row.decode(12, as: String?.self) == nil)
            #expect(row.isNull(11))
        }
    }

    @Test("NULL into a non-optional and a type mismatch are clear errors")
    func decodingErrors() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            let row = try connection.query("select null::int4 as missing, 'x'::text as word")[0]
            let null = #expect(throws: PostgresError.self) { try row.decode("missing", as: Int.self) }
            #expect(null?.message == "column missing is NULL; decode it as Int? to accept NULL")
            let mismatch = #expect(throws: PostgresError.self) { try row.decode("word", as: Int.self) }
            #expect(mismatch?.message == "column word of type text cannot be decoded as Int")
        }
    }

    @Test("parameters round-trip every type without interpolation")
    func parametersRoundTrip() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            let id = UUID()
            let instant = Date(timeIntervalSince1970: 1_700_000_000.123456)
            let row = try connection.query(
                "select $1::int8, $2::text, $3::bool, $4::numeric, $5::date, $6::timestamptz, $7::uuid, $8::bytea, $9::int4",
                [
                    Int.min, "'; drop table x; --", true, Decimal(string: "-0.000123")!, Day(year: 1999, month: 12, day: 31),
                    instant, id, [UInt8]([0, 1, 2, 255]), Int?.none,
                ])[0]
            #expect(try row.decode(0, as: Int.self) == Int.min)
            #expect(try row.decode(1, as: String.self) == "'; drop table x; --")
            #expect(try row.decode(2, as: Bool.self))
            #expect(try row.decode(3, as: String.self) == "-0.000123")
            #expect(try row.decode(4, as: Day.self).description == "1999-12-31")
            let back = try row.decode(5, as: Date.self)
            #expect(abs(back.timeIntervalSince(instant)) < 0.000001)
            #expect(try row.decode(6, as: UUID.self) == id)
            #expect(try row.decode(7, as: [UInt8].self) == [0, 1, 2, 255])
            #expect(try row.decode(8, as: Int?.self) == nil)
        }
    }
}
