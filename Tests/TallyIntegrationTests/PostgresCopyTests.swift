import Foundation
import Tally
import Testing

@Suite("COPY streams", .enabled(if: TestServer.isAvailable))
struct PostgresCopyTests {
    /// Deterministic awkward text: tabs, newlines, backslashes, `\N`-lookalikes, multi-byte UTF-8, NULLs.
    static func fields(_ i: Int) -> [String?] {
        let awkward = ["tab\there", "line\nbreak", "back\\slash", "\\N", "N\\", "crlf\r\n", "ünïcødé ✓ 🎄", "", " "]
        let a = awkward[i % awkward.count] + String(i)
        let b: String? = i % 7 == 0 ? nil : "\(i)\\\t\(awkward[(i / 3) % awkward.count])"
        return [String(i), a, b]
    }

    @Test("a million awkward rows go in by COPY and come back byte-identical")
    func millionRowRoundTrip() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute("create table t (id int primary key, a text, b text)")
            let count = 1_000_000
            let inserted = try connection.copyIn("copy t (id, a, b) from stdin") { writer in
                for i in 0..<count { try writer.writeRow(Self.fields(i)) }
            }
            #expect(inserted == count)
            // The server's own view of a few values proves the escaping meant what we meant.
            #expect(try connection.query("select a from t where id = 0").scalar(as: String.self) == "tab\there0")
            #expect(try connection.query("select a from t where id = 3").scalar(as: String.self) == "\\N3")
            #expect(try connection.query("select b is null from t where id = 14").scalar(as: Bool.self))

            var index = 0
            var mismatches = 0
            var expected: [UInt8] = []
            let exported = try connection.copyOut("copy (select id, a, b from t order by id) to stdout") { row in
                expected.removeAll(keepingCapacity: true)
                CopyText.appendRow(Self.fields(index), to: &expected)
                if !expected.elementsEqual(row) { mismatches += 1 }
                if index % 99_991 == 0 {
                    let parsed = CopyText.parseRow(row).map { $0.map { String(decoding: $0, as: UTF8.self) } }
                    if parsed != Self.fields(index) { mismatches += 1 }
                }
                index += 1
            }
            #expect(exported == count)
            #expect(index == count)
            #expect(mismatches == 0)
        }
    }

    @Test("a COPY aborted by the producer inserts nothing and leaves the connection usable")
    func abortedCopyIn() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute("create table t (v text)")
            struct Stop: Error {}
            #expect(throws: Stop.self) {
                try connection.copyIn("copy t from stdin") { writer in
                    for i in 0..<10_000 { try writer.writeRow([String(i)]) }
                    throw Stop()
                }
            }
            #expect(try connection.query("select count(*)::int from t").scalar(as: Int.self) == 0)
        }
    }

    @Test("bad COPY data is a server error with the line, and nothing is inserted")
    func badCopyData() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute("create table t (n int)")
            let error = #expect(throws: PostgresError.self) {
                try connection.copyIn("copy t from stdin") { writer in
                    try writer.writeRow(["1"])
                    try writer.writeRow(["two"])
                }
            }
            #expect(error?.sqlState == "22P02")
            #expect(error?.context?.contains("line 2") == true)
            #expect(try connection.query("select count(*)::int from t").scalar(as: Int.self) == 0)
        }
    }

    @Test("a failing consumer stops nothing half-way: the stream is drained and the error rethrown")
    func failingConsumer() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            struct Full: Error {}
            var seen = 0
            #expect(throws: Full.self) {
                try connection.copyOut("copy (select generate_series(1, 5000)) to stdout") { _ in
                    seen += 1
                    if seen == 10 { throw Full() }
                }
            }
            #expect(seen == 10)
            #expect(try connection.query("select 7").scalar(as: Int.self) == 7)
        }
    }
}
