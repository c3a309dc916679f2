import CLibpq
import Foundation

/// Builds libpq keyword/value connection strings.
public enum Conninfo {
    /// `key='value' ...`, quoting each value as libpq's keyword syntax requires.
    public static func keywords(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0)=\(quote($0.1))" }.joined(separator: " ")
    }

    /// `conninfo` (a keyword string or a URI) with its database replaced, parsed by libpq itself.
    public static func replacingDatabase(in conninfo: String, with database: String) throws(PostgresError) -> String {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "invalid connection string"
            if let errorMessage { PQfreemem(errorMessage) }
            throw PostgresError(
                code: .connectionFailed, message: "the connection string is not valid: \(reason.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        defer { PQconninfoFree(options) }
        var pairs: [(String, String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            let name = String(cString: keyword)
            if name != "dbname", let value = option.pointee.val {
                pairs.append((name, String(cString: value)))
            }
            option += 1
        }
        pairs.append(("dbname", database))
        return keywords(pairs)
    }

    /// The value as is when it is a plain word, otherwise in single quotes with backslash and quote escaped.
    public static func quote(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { !" '\\\t\n".unicodeScalars.contains($0) }
        if plain { return value }
        return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
