import Logging

/// What `tally check` reports about one configured database.
public struct ConnectionCheck: Sendable {
    public var database: TallyConfiguration.Database
    public var user: String
    public var databaseName: String
    public var endpoint: String
    public var serverVersion: String
    /// For the operational database: whether reads of PII are logged.
    public var piiReadAudit: PIIReadAudit?
    /// For the operational database: whether pg_hba.conf trusts the audit writer.
    public var auditWriter: AuditWriterAuthentication?

    /// What `tally check` prints: where it connected, and for the operational database whether
    /// PII reads are audited.
    public var summary: String {
        let connected = "\(database.rawValue): connected to \(databaseName) as \(user) at \(endpoint) (PostgreSQL \(serverVersion))"
        let findings = [piiReadAudit?.summary, auditWriter?.summary].compactMap { $0 }
        return ([connected] + findings.map { "\(database.rawValue): \($0)" }).joined(separator: "\n")
    }

    /// Connects to `database` as configured and reads who and where it is.
    public static func run(
        _ database: TallyConfiguration.Database, configuration: TallyConfiguration, logger: Logger
    ) throws -> ConnectionCheck {
        let connection = try PostgresConnection.connect(try configuration.url(for: database), logger: logger)
        defer { connection.close() }
        let version = try connection.query("show server_version").scalar(as: String.self)
        return ConnectionCheck(
            database: database, user: connection.user, databaseName: connection.database,
            endpoint: connection.endpoint, serverVersion: version,
            piiReadAudit: database == .operational ? try PIIReadAudit.read(connection) : nil,
            auditWriter: database == .operational ? try AuditWriterAuthentication.read(connection) : nil)
    }
}
