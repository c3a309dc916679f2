/// One statement of a SQL file, with where it starts so server error positions can be mapped back.
public struct SQLStatement: Sendable, Equatable {
    /// The statement text, without the terminating semicolon.
    public var text: String
    /// 1-based line of the statement's first character in the file.
    public var line: Int
    /// 1-based column of that character.
    public var column: Int
}

/// Splits a SQL script into statements the way psql does: semicolons end statements except inside
/// quotes, dollar quotes, identifiers and comments. `BEGIN ATOMIC ... END` bodies are not supported.
public enum SQLStatementSplitter {
    public static func split(_ script: String) -> [SQLStatement] {
        let scalars = Array(script.unicodeScalars)
        var statements: [SQLStatement] = []
        var current = String.UnicodeScalarView()
        var start: (line: Int, column: Int)?
        var line = 1
        var column = 1
        var i = 0

        func advance(_ n: Int = 1) {
            for _ in 0..<n where i < scalars.count {
                let c = scalars[i]
                if start == nil, !c.properties.isWhitespace { start = (line, column) }
                if start != nil { current.append(c) }
                if c == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                i += 1
            }
        }
        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            i + offset < scalars.count ? scalars[i + offset] : nil
        }
        /// A comment before a statement is not part of it.
        func forgetComment() {
            start = nil
            current = String.UnicodeScalarView()
        }
        func finish() {
            let text = String(current).trimmingTrailingWhitespace()
            if let start, !text.isEmpty, !isOnlyComments(text) {
                statements.append(SQLStatement(text: text, line: start.line, column: start.column))
            }
            current = String.UnicodeScalarView()
            start = nil
        }

        while i < scalars.count {
            let c = scalars[i]
            switch c {
            case "-" where peek(1) == "-":
                // A line comment does not start a statement.
                let hadStart = start != nil
                while let p = peek(), p != "\n" { advance() }
                if !hadStart { forgetComment() }
            case "/" where peek(1) == "*":
                let hadStart = start != nil
                var depth = 0
                repeat {
                    if peek() == "/" && peek(1) == "*" {
                        depth += 1
                        advance(2)
                    } else if peek() == "*" && peek(1) == "/" {
                        depth -= 1
                        advance(2)
                    } else {
                        advance()
                    }
                } while depth > 0 && i < scalars.count
                if !hadStart { forgetComment() }
            case "'":
                let escapes =
                    i > 0 && (scalars[i - 1] == "E" || scalars[i - 1] == "e")
                    && (i < 2 || !isIdentifierPart(scalars[i - 2]))
                advance()
                while i < scalars.count {
                    if escapes && peek() == "\\" {
                        advance(2)
                        continue
                    }
                    if peek() == "'" {
                        if peek(1) == "'" {
                            advance(2)
                            continue
                        }
                        advance()
                        break
                    }
                    advance()
                }
            case "\"":
                advance()
                while i < scalars.count {
                    if peek() == "\"" {
                        if peek(1) == "\"" {
                            advance(2)
                            continue
                        }
                        advance()
                        break
                    }
                    advance()
                }
            case "$" where i == 0 || !isIdentifierPart(scalars[i - 1]):
                // A dollar quote: $$ or $tag$, where the tag is an identifier (not a $1 parameter).
                var j = i + 1
                if j < scalars.count, ("0"..."9").contains(scalars[j]) {
                    advance()
                    continue
                }
                while j < scalars.count, isIdentifierPart(scalars[j]) { j += 1 }
                guard j < scalars.count, scalars[j] == "$" else {
                    advance()
                    continue
                }
                let tag = Array(scalars[i...j])
                advance(tag.count)
                while i < scalars.count {
                    if scalars[i] == "$", i + tag.count <= scalars.count, Array(scalars[i..<(i + tag.count)]) == tag {
                        advance(tag.count)
                        break
                    }
                    advance()
                }
            case ";":
                i += 1
                column += 1
                finish()
            default:
                advance()
            }
        }
        finish()
        return statements
    }

    private static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c)
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.isEmpty { return true }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                return false
            }
        }
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var s = Substring(self)
        while let last = s.last, last.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}

extension SQLStatement {
    /// The file line and column of a server error `position` (1-based, in characters) within this statement.
    public func fileLocation(ofPosition position: Int) -> (line: Int, column: Int) {
        let inner = PostgresError.lineAndColumn(ofPosition: position, in: text)
        return inner.line == 1 ? (line, column + inner.column - 1) : (line + inner.line - 1, inner.column)
    }
}
