import Tally
import Testing

@Suite("COPY text format")
struct CopyTextTests {
    @Test(
        "escaping",
        arguments: [
            (["a\tb"], "a\\tb\n"),
            (["line\nbreak", nil], "line\\nbreak\t\\N\n"),
            (["back\\slash"], "back\\\\slash\n"),
            (["\\N"], "\\\\N\n"),
            (["cr\r"], "cr\\r\n"),
            (["ünï ✓"], "ünï ✓\n"),
            ([""], "\n"),
        ] as [([String?], String)])
    func escaping(fields: [String?], expected: String) {
        var out: [UInt8] = []
        CopyText.appendRow(fields, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == expected)
    }

    @Test("parsing undoes escaping, and reads the escapes the server may send")
    func parsing() {
        let rows: [[String?]] = [["a\tb", nil, "\\N", "x\\"], ["", "ünï\n✓", nil], ["\r\n"]]
        for fields in rows {
            var out: [UInt8] = []
            CopyText.appendRow(fields, to: &out)
            let parsed = out.withUnsafeBytes { CopyText.parseRow($0) }.map { $0.map { String(decoding: $0, as: UTF8.self) } }
            #expect(parsed == fields)
        }
        let server = Array("\\101\\x\\b\tz".utf8)
        let parsed = server.withUnsafeBytes { CopyText.parseRow($0) }
        #expect(parsed == [Array("Ax\u{8}".utf8), Array("z".utf8)])
    }
}
