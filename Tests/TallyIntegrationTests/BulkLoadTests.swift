import Foundation
import Tally
import Testing

@Suite("binary COPY and deferred indexes", .enabled(if: TestServer.isAvailable))
struct BulkLoadTests {
    @Test("binary COPY values arrive as the server reads them, NULL included")
    func binaryValues() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute(
                """
                create table t (u uuid, i integer, ts timestamptz, b boolean, s text, c char(2), ip inet, n text)
                """)
            let id = UUID(uuidString: "0123abcd-4567-4def-89ab-cdef01234567")!
            let rows = try connection.copyIn("copy t from stdin with (format binary)") { writer in
                var row = CopyBinary.header
                CopyBinary.appendRowStart(fields: 8, to: &row)
                CopyBinary.appendUUID(id.uuid, to: &row)
                CopyBinary.appendInt32(-42, to: &row)
                CopyBinary.appendTimestamp(unixSeconds: 1_764_374_400 + 3_723, to: &row)  // 2025-11-29 01:02:03 UTC
                CopyBinary.appendBool(true, to: &row)
                CopyBinary.appendText("tab\there ✓".utf8, to: &row)
                CopyBinary.appendText("GB".utf8, to: &row)
                CopyBinary.appendIPv4(0xC633_6407, to: &row)  // 198.51.100.7
                CopyBinary.appendNull(to: &row)
                try writer.write(row + CopyBinary.trailer)
            }
            #expect(rows == 1)
            try connection.execute("set timezone = 'UTC'")
            let text = try connection.query(
                """
                select concat_ws('|', u, i, ts, b, s, c, ip, coalesce(n, 'NULL')) from t
                """
            ).scalar(as: String.self)
            #expect(text == "0123abcd-4567-4def-89ab-cdef01234567|-42|2025-11-29 01:02:03+00|t|tab\there ✓|GB|198.51.100.7|NULL")
        }
    }

    /// Every index and constraint of `t`, as PostgreSQL would recreate them.
    static func indexes(_ connection: PostgresConnection) throws -> [String] {
        try connection.query(
            """
            select pg_get_indexdef(i.indexrelid) || coalesce(' / ' || k.conname || ' ' || pg_get_constraintdef(k.oid), '')
            from pg_index i left join pg_constraint k on k.conindid = i.indexrelid
            where i.indrelid = 't'::regclass order by 1
            """
        ).rows.map { try $0.decode(0, as: String.self) }
    }

    @Test("an empty table is loaded without its indexes, which come back identical; a full one keeps them")
    func deferredIndexes() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute(
                """
                create table t (id bigint generated always as identity primary key, k text not null, v integer,
                                constraint t_k_unique unique (k));
                create index t_v_partial on t (v) where v > 10;
                create index t_lower_k on t (lower(k));
                """)
            let before = try Self.indexes(connection)
            #expect(before.count == 4)
            func load(_ range: Range<Int>) throws -> Bool {
                try connection.withIndexesDeferred(on: "t") {
                    // While the COPY runs the table has no indexes at all.
                    #expect(
                        try connection.query("select count(*)::int from pg_index where indrelid = 't'::regclass").scalar(as: Int.self)
                            == (range.lowerBound == 0 ? 0 : 4))
                    return try connection.copyIn("copy t (k, v) from stdin") { writer in
                        for i in range { try writer.writeRow(["key \(i)", String(i % 50)]) }
                    }
                }.deferred
            }
            #expect(try load(0..<10_000))
            #expect(try Self.indexes(connection) == before)
            #expect(try !load(10_000..<10_100))
            #expect(try Self.indexes(connection) == before)
            #expect(try connection.query("select count(*)::int from t").scalar(as: Int.self) == 10_100)
            // The rebuilt indexes are used and valid.
            #expect(try connection.query("select bool_and(indisvalid) from pg_index where indrelid = 't'::regclass").scalar(as: Bool.self))
        }
    }

    @Test("a duplicate key in a deferred load fails when the constraint is rebuilt, and nothing is kept")
    func duplicateInDeferredLoad() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute("create table t (k text primary key, v integer); create index t_v on t (v)")
            let before = try Self.indexes(connection)
            #expect(throws: PostgresError.self) {
                try connection.withIndexesDeferred(on: "t") {
                    try connection.copyIn("copy t (k, v) from stdin") { writer in
                        for i in 0..<1_000 { try writer.writeRow(["key \(i % 999)", String(i)]) }
                    }
                }
            }
            #expect(try Self.indexes(connection) == before)
            #expect(try connection.query("select count(*)::int from t").scalar(as: Int.self) == 0)
            // A producer that fails leaves the table and its indexes as they were, too.
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try connection.withIndexesDeferred(on: "t") { throw Stop() }
            }
            #expect(try Self.indexes(connection) == before)
        }
    }
}
