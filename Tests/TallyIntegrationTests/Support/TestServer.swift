import Foundation
import Logging
import Tally

/// The one PostgreSQL server the integration tests of this process share: a LocalCluster started
/// on first use, or the server `TALLY_TEST_DATABASE_URL` points at.
actor TestServer {
    static let shared = TestServer()

    /// Whether integration tests should run: always under CI (so a missing server fails loudly),
    /// otherwise only where a server or the server programs can be had.
    static let isAvailable: Bool = {
        let env = ProcessInfo.processInfo.environment
        if env["CI"] == "true" || env["TALLY_TEST_DATABASE_URL"] != nil { return true }
        return !initdbPaths.isEmpty
    }()

    /// The executable `initdb` programs on PATH and in /usr/lib/postgresql/*/bin, symlinks resolved.
    static let initdbPaths: [URL] = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { URL(fileURLWithPath: "\($0)/initdb") }
        let debian = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .map { URL(fileURLWithPath: "/usr/lib/postgresql/\($0)/bin/initdb") }
        return (path + debian).map { $0.resolvingSymlinksInPath() }.filter { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// How tests reach the server.
    struct Handle: Sendable {
        /// A superuser connection string to the `postgres` database.
        let adminConninfo: String
        /// Set when the server is our own LocalCluster (TCP tests need its port).
        let local: LocalServer?

        /// The superuser conninfo for `database`.
        func conninfo(database: String) throws -> String {
            try Conninfo.replacingDatabase(in: adminConninfo, with: database)
        }
    }

    private var starting: Task<Handle, Error>?

    /// The shared server, started on first call.
    func handle() async throws -> Handle {
        if let starting { return try await starting.value }
        let task = Task { try await Self.start() }
        starting = task
        return try await task.value
    }

    private static func start() async throws -> Handle {
        let env = ProcessInfo.processInfo.environment
        if let url = env["TALLY_TEST_DATABASE_URL"] {
            return Handle(adminConninfo: url, local: nil)
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tally-tests-\(getpid())-\(UUID().uuidString.prefix(8))")
        let cluster = try await LocalCluster(directory: directory)
        let server = try await cluster.start(logger: quietLogger())
        TestClusterCleanup.register(cluster)
        return Handle(adminConninfo: server.conninfo(database: "postgres"), local: server)
    }
}

/// Stops the shared test cluster and deletes its folder when the test process exits.
enum TestClusterCleanup {
    // Written once before the exit handler can run, read only by that handler.
    nonisolated(unsafe) private static var command: String?

    static func register(_ cluster: LocalCluster) {
        let data = cluster.directory.appendingPathComponent("data").path
        let pgctl = cluster.binaries.url("pg_ctl").path
        let asUser = cluster.serverUser.map { "runuser -u \($0) -- " } ?? ""
        command = "\(asUser)'\(pgctl)' -D '\(data)' -m immediate -w stop >/dev/null 2>&1; rm -rf '\(cluster.directory.path)'"
        atexit {
            if let command = TestClusterCleanup.command { _ = system(command) }
        }
    }
}
