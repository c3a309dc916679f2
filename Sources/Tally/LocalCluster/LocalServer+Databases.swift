import Logging

extension LocalServer {
    /// The databases `tally dev` and `tally demo` use.
    public static let defaultDatabases = ["tally_operational", "tally_warehouse"]

    /// Creates each database that does not exist yet.
    public func ensureDatabases(_ names: [String], logger: Logger) throws {
        let admin = try PostgresConnection.connect(conninfo(database: "postgres"), logger: logger)
        defer { admin.close() }
        for name in names {
            let exists = try admin.query("select count(*)::int from pg_database where datname = $1", [name]).scalar(as: Int.self)
            if exists == 0 {
                try admin.execute("create database \(try admin.escapeIdentifier(name))")
            }
        }
    }

    /// The shell lines `tally dev env` prints: PG* variables plus Tally's own URLs.
    public var shellExports: String {
        var pairs = libpqEnvironment
        pairs.append(("TALLY_OPERATIONAL_URL", conninfo(database: "tally_operational")))
        pairs.append(("TALLY_WAREHOUSE_URL", conninfo(database: "tally_warehouse")))
        return pairs.map { "export \($0.0)=\(ShellQuote.quote($0.1))" }.joined(separator: "\n")
    }
}

/// POSIX shell single-quoting.
enum ShellQuote {
    static func quote(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
