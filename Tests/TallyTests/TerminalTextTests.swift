import Foundation
import Testing

@testable import Tally

@Suite("Terminal text")
struct TerminalTextTests {
    @Test("columns are padded to their widest cell, two spaces apart, the last one unpadded")
    func align() {
        let text = TerminalText.align([
            ["A", "NAME", "NOTE"],
            ["10", "x", "short"],
            ["7", "longer name", ""],
        ])
        #expect(
            text.split(separator: "\n", omittingEmptySubsequences: false) == [
                "A   NAME         NOTE",
                "10  x            short",
                "7   longer name  ",
            ])
    }

    @Test("a single column or no rows need no padding")
    func degenerate() {
        #expect(TerminalText.align([]) == "")
        #expect(TerminalText.align([["only"], ["a"], ["column"]]) == "only\na\ncolumn")
    }

    @Test("accented letters count as one column, as a terminal shows them")
    func accents() {
        let text = TerminalText.align([["ÅR", "X"], ["året", "Y"]])
        #expect(text == "ÅR    X\nåret  Y")
    }

    @Test("the widest cell keeps every character even when a character is several UTF-16 units")
    func wideCharacters() {
        // "e" + COMBINING ACUTE ACCENT (as macOS file names are written) and an emoji outside the BMP:
        // one Character each, two UTF-16 units each.
        let decomposed = "cafe\u{301}"
        let emoji = "ok 👍"
        #expect(TerminalText.align([[decomposed, "X"], ["a", "Y"]]) == "\(decomposed)  X\na     Y")
        #expect(TerminalText.align([[emoji, "X"], ["a", "Y"]]) == "\(emoji)  X\na     Y")
    }

    @Test("JSON is pretty-printed with sorted keys and ISO-8601 dates")
    func json() throws {
        struct Sample: Encodable {
            var zeta = 1
            var alpha = "a"
            var at = Date(timeIntervalSince1970: 0)
        }
        #expect(
            try TerminalText.json(Sample()) == """
                {
                  "alpha" : "a",
                  "at" : "1970-01-01T00:00:00Z",
                  "zeta" : 1
                }
                """)
    }
}
