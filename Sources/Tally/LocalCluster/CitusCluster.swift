import Foundation
import Logging

/// A Citus cluster of local servers: a coordinator and workers, each a `LocalCluster` in a folder
/// of `directory` with the citus library preloaded. Used by the Citus integration test, and to
/// try the distribution step (`scripts/citus/distribute.sql`) before a DBA runs it for real.
///
/// The workers trust TCP logins on 127.0.0.1, so that the coordinator reaches them as whatever role
/// runs a query (Citus connects to workers as the current user), as workers on a private network
/// with `trust` or certificates do. The coordinator keeps password logins.
public struct CitusCluster: Sendable {
    /// The server that clients and `tally` connect to.
    public let coordinator: LocalCluster
    /// The servers that hold the shards.
    public let workers: [LocalCluster]

    /// A cluster in `directory` (`coordinator/`, `worker1/`, ...). Fails with an actionable error
    /// when Citus is not installed for the PostgreSQL found.
    public init(
        directory: URL, workers count: Int = 2,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws {
        coordinator = try await LocalCluster(
            directory: directory.appendingPathComponent("coordinator"), environment: environment, preload: ["citus"])
        guard coordinator.binaries.hasLibrary("citus") else {
            throw LocalClusterError(
                code: .missingPostgres,
                message:
                    "Citus is not installed for the PostgreSQL in \(coordinator.binaries.directory.path): build and install it with scripts/citus/build (README, 'Citus')"
            )
        }
        var workers: [LocalCluster] = []
        for n in 1...max(1, count) {
            workers.append(
                try await LocalCluster(
                    directory: directory.appendingPathComponent("worker\(n)"), environment: environment, preload: ["citus"], trustsLoopback: true))
        }
        self.workers = workers
    }

    /// Starts every server (initialising them if needed) and returns the coordinator's.
    @discardableResult
    public func start(logger: Logger) async throws -> LocalServer {
        for worker in workers { try await worker.start(logger: logger) }
        return try await coordinator.start(logger: logger)
    }

    /// Creates `database` with the citus extension on every server, unless it exists, and makes
    /// the workers (and the coordinator, for reference tables) nodes of the coordinator's cluster.
    public func createDatabase(_ name: String, logger: Logger) async throws {
        let coordinatorServer = try await coordinator.start(logger: logger)
        var workerPorts: [Int] = []
        for worker in workers {
            let server = try await worker.start(logger: logger)
            try Self.createDatabase(name, on: server, logger: logger)
            workerPorts.append(server.port)
        }
        try Self.createDatabase(name, on: coordinatorServer, logger: logger)
        let connection = try PostgresConnection.connect(coordinatorServer.conninfo(database: name), logger: logger)
        defer { connection.close() }
        try connection.query("select citus_set_coordinator_host('127.0.0.1', $1)", [coordinatorServer.port])
        for port in workerPorts {
            try connection.query(
                """
                select citus_add_node('127.0.0.1', $1)
                where not exists (select 1 from pg_dist_node where nodename = '127.0.0.1' and nodeport = $1)
                """, [port])
        }
    }

    private static func createDatabase(_ name: String, on server: LocalServer, logger: Logger) throws {
        let admin = try PostgresConnection.connect(server.conninfo(database: "postgres"), logger: logger)
        defer { admin.close() }
        if try admin.query("select count(*)::int from pg_database where datname = $1", [name]).scalar(as: Int.self) == 0 {
            try admin.execute("create database \(try admin.escapeIdentifier(name))")
        }
        let database = try PostgresConnection.connect(server.conninfo(database: name), logger: logger)
        defer { database.close() }
        try database.execute("create extension if not exists citus")
    }

    /// Stops every server and deletes the folders.
    public func destroy(logger: Logger) async throws {
        try await coordinator.destroy(logger: logger)
        for worker in workers { try await worker.destroy(logger: logger) }
    }
}
