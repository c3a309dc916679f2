import CLibpq
import Foundation

/// A failure reported by libpq or the server, with the server's fields kept apart so callers can act on them.
public struct PostgresError: ExitCoded, Sendable {
    /// What kind of failure this is, for programs; the server's own class is in `sqlState`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        /// The connection could not be made (refused, timed out, authentication failed).
        public static let connectionFailed = Code(name: "connectionFailed")
        /// The connection broke while in use.
        public static let connectionLost = Code(name: "connectionLost")
        /// The server answered a statement with an error.
        public static let server = Code(name: "server")
        /// A COPY stream failed on the client side.
        public static let copyFailed = Code(name: "copyFailed")
        /// A value could not be decoded into the Swift type asked for.
        public static let decoding = Code(name: "decoding")
        /// The server answered with something the caller did not expect (wrong result shape).
        public static let unexpectedResult = Code(name: "unexpectedResult")
        public var description: String { name }

        /// Every code, for the exit-code table's test.
        public static let all: [Code] = [connectionFailed, connectionLost, server, copyFailed, decoding, unexpectedResult]
    }

    /// A database failure that reached a command unwrapped: nothing was committed (exit 1).
    public var exitCode: Int32 { ExitStatus.failure }

    /// What kind of failure this is.
    public var code: Code
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?
    /// Severity as the server sent it (`ERROR`, `FATAL`, ...), or `ERROR` for client-side failures.
    public var severity: String
    /// The primary message, one line.
    public var message: String
    /// The server's DETAIL field.
    public var detail: String?
    /// The server's HINT field.
    public var hint: String?
    /// 1-based character offset of the error in the statement text that was sent.
    public var position: Int?
    /// The server's CONTEXT field (for example the PL/pgSQL line).
    public var context: String?
    /// The text of an internally generated query that failed, with `internalPosition` into it.
    public var internalQuery: String?
    /// 1-based character offset into `internalQuery`.
    public var internalPosition: Int?

    /// Builds a client-side error.
    public init(
        code: Code, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil
    ) {
        self.code = code
        self.severity = "ERROR"
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
    }

    /// Reads every field of a failed result.
    init(result: OpaquePointer, code: Code = .server, redacting secrets: [String] = []) {
        func field(_ f: Int32) -> String? {
            guard let p = PQresultErrorField(result, f) else { return nil }
            return Self.redact(String(cString: p), secrets)
        }
        let primary = field(DiagnosticField.messagePrimary)
        let whole = PQresultErrorMessage(result).map { String(cString: $0) } ?? ""
        self.init(
            code: code,
            message: primary ?? Self.redact(Self.firstLine(whole), secrets),
            sqlState: field(DiagnosticField.sqlState),
            detail: field(DiagnosticField.messageDetail),
            hint: field(DiagnosticField.messageHint)
        )
        severity = field(DiagnosticField.severityNonlocalized) ?? field(DiagnosticField.severity) ?? "ERROR"
        position = field(DiagnosticField.statementPosition).flatMap { Int($0) }
        context = field(DiagnosticField.context)
        internalQuery = field(DiagnosticField.internalQuery)
        internalPosition = field(DiagnosticField.internalPosition).flatMap { Int($0) }
    }

    /// An error from the connection's own message (no result), for example a broken socket.
    init(connection: OpaquePointer?, code: Code, redacting secrets: [String] = []) {
        let raw = connection.flatMap { PQerrorMessage($0) }.map { String(cString: $0) } ?? "unknown libpq error"
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        self.init(code: code, message: Self.redact(trimmed.isEmpty ? "unknown libpq error" : trimmed, secrets))
    }

    /// psql-style text: `ERROR:  message`, then DETAIL, HINT and CONTEXT lines, then the SQLSTATE.
    public var description: String {
        var lines = ["\(severity):  \(message)"]
        if let detail { lines.append("DETAIL:  \(detail)") }
        if let hint { lines.append("HINT:  \(hint)") }
        if let context { lines.append("CONTEXT:  \(context)") }
        var text = lines.joined(separator: "\n")
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        return text
    }

    /// Whether a retry of the same work may succeed: connection failures, serialization failures,
    /// deadlocks, and an administrator shutting the server down or starting it up.
    public var isTransient: Bool {
        if code == .connectionFailed {
            // A server that is down or restarting may come back; bad credentials, a missing
            // database, a pg_hba.conf line that rejects the login or a certificate that does not
            // match will not.
            let permanent = [
                "authentication failed", "no pg_hba.conf entry", "pg_hba.conf rejects", "does not exist", "permission denied",
                "does not match host name", "certificate verify failed", "root certificate file",
            ]
            return !permanent.contains { message.contains($0) }
        }
        if code == .connectionLost { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || ["40001", "40P01", "57P01", "57P03"].contains(sqlState)
    }

    static func firstLine(_ s: String) -> String {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? t
    }

    static func redact(_ s: String, _ secrets: [String]) -> String {
        var out = s
        for secret in secrets where !secret.isEmpty {
            out = out.replacingOccurrences(of: secret, with: "********")
        }
        return out
    }
}

extension PostgresError {
    /// The 1-based line and column of `position` within `text`, counting characters as the server does.
    public static func lineAndColumn(ofPosition position: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var index = 1
        for scalar in text.unicodeScalars {
            if index >= position { break }
            if scalar == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += 1
        }
        return (line, column)
    }
}

/// libpq's `PG_DIAG_*` field codes; they are character macros, which Swift does not import.
enum DiagnosticField {
    static let severity = Int32(UInt8(ascii: "S"))
    static let severityNonlocalized = Int32(UInt8(ascii: "V"))
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let messagePrimary = Int32(UInt8(ascii: "M"))
    static let messageDetail = Int32(UInt8(ascii: "D"))
    static let messageHint = Int32(UInt8(ascii: "H"))
    static let statementPosition = Int32(UInt8(ascii: "P"))
    static let internalPosition = Int32(UInt8(ascii: "p"))
    static let internalQuery = Int32(UInt8(ascii: "q"))
    static let context = Int32(UInt8(ascii: "W"))
}
