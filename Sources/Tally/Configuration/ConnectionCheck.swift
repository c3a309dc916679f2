import Logging

/// What `tally check` reports about one configured database.
public struct ConnectionCheck: Sendable {
    public var database: TallyConfiguration.Database
    public var user: String
    public var databaseName: String
    public var endpoint: String
    public var serverVersion: String

    /// One line for the terminal.
    public var summary: String {
        "\(database.rawValue): connected to \(databaseName) as \(user) at \(endpoint) (PostgreSQL \(serverVersion))"
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
            endpoint: connection.endpoint, serverVersion: version)
    }
}
