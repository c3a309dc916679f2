import Crypto
import Foundation

/// One migration file on disk: `V<version>__<description>.sql` or `R__<description>.sql`.
public struct MigrationFile: Sendable {
    /// Versioned files run once, in version order; repeatables run again whenever their checksum changes.
    public enum Kind: String, Sendable, Codable {
        case versioned
        case repeatable
    }

    /// How the file runs, from its `-- tally:` header lines.
    public struct Directives: Sendable, Equatable {
        /// `-- tally:no-transaction`: statement by statement, outside a transaction.
        public var inTransaction = true
        /// `-- tally:lock-timeout 5s`.
        public var lockTimeout = "10s"
        /// `-- tally:statement-timeout 30min`.
        public var statementTimeout = "15min"
    }

    /// The path as given, for messages (`migrations/warehouse/V0002__x.sql`).
    public let path: String
    /// The file name.
    public let name: String
    public let kind: Kind
    /// The version text as written (`0002`, `1.1`); nil for repeatables.
    public let version: String?
    /// The version's numeric parts, compared in order.
    public let versionParts: [Int]
    /// Words from the name, with underscores as spaces.
    public let description: String
    /// The content with CRLF normalised to LF.
    public let sql: String
    /// SHA-256 of the normalised content, hex.
    public let checksum: String
    public let directives: Directives

    /// The checksum algorithm version stored with each history row.
    public static let checksumAlgorithm = 1

    /// Reads and checks one file.
    public init(path: String) throws(MigrationError) {
        self.path = path
        name = URL(fileURLWithPath: path).lastPathComponent
        guard name.hasSuffix(".sql"), let separator = name.range(of: "__") else {
            throw MigrationError(
                code: .invalidFile, message: "\(path): migration file names look like V0001__create_accounts.sql or R__views.sql. Rename the file.")
        }
        let prefix = name[..<separator.lowerBound]
        description = name[separator.upperBound...].dropLast(4).replacingOccurrences(of: "_", with: " ")
        if prefix == "R" {
            kind = .repeatable
            version = nil
            versionParts = []
        } else if prefix.hasPrefix("V") {
            let text = String(prefix.dropFirst())
            // Digits only: Int(_:) would also take a sign, making V+1 a second spelling of V1.
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map {
                $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) ? Int($0) : nil
            }
            guard !text.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw MigrationError(
                    code: .invalidFile, message: "\(path): the version '\(text)' is not numeric. Use V<number>[.<number>...]__<description>.sql.")
            }
            kind = .versioned
            version = text
            versionParts = parts.compactMap { $0 }
        } else {
            throw MigrationError(code: .invalidFile, message: "\(path): a migration file name starts with V<version>__ or R__. Rename the file.")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MigrationError(code: .invalidFile, message: "\(path): cannot be read.")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw MigrationError(code: .invalidFile, message: "\(path): is not valid UTF-8.")
        }
        sql = text.replacingOccurrences(of: "\r\n", with: "\n")
        checksum = Hex.encode(SHA256.hash(data: Data(sql.utf8)))
        directives = try Self.directives(in: sql, path: path)
    }

    /// Reads `-- tally:` lines from the leading comment block.
    static func directives(in sql: String, path: String) throws(MigrationError) -> Directives {
        var directives = Directives()
        for (index, line) in sql.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard trimmed.hasPrefix("--") else { break }
            let comment = trimmed.dropFirst(2).trimmingCharacters(in: .whitespaces)
            guard comment.hasPrefix("tally:") else { continue }
            let words = comment.dropFirst("tally:".count).split(separator: " ").map(String.init)
            switch (words.first, words.count) {
            case ("no-transaction", 1): directives.inTransaction = false
            case ("lock-timeout", 2): directives.lockTimeout = words[1]
            case ("statement-timeout", 2): directives.statementTimeout = words[1]
            default:
                throw MigrationError(
                    code: .invalidFile,
                    message:
                        "\(path):\(index + 1): unknown directive '\(comment)'. Known: tally:no-transaction, tally:lock-timeout <duration>, tally:statement-timeout <duration>."
                )
            }
        }
        return directives
    }

    /// Orders versioned files by their numeric version parts.
    public static func versionLess(_ a: [Int], _ b: [Int]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x < y }
        return a.count < b.count
    }
}
