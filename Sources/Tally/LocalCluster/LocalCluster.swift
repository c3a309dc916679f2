import Crypto
import Foundation
import Logging

/// A throwaway PostgreSQL cluster in a folder of its own, on a free loopback port and a private
/// unix-socket folder. Used by `tally demo`, `tally dev` and the integration tests.
///
/// When Tally runs as root, the server runs as the `postgres` OS user, because PostgreSQL refuses root.
public struct LocalCluster: Sendable {
    /// The cluster's folder, as the user named it.
    public let directory: URL
    /// Where `data/`, `socket/` and `server.log` live: `directory` itself, or, as root when the
    /// `postgres` OS user cannot enter `directory` (a clone under /root, a `mktemp -d` folder), a
    /// folder of its own under /var/tmp/tally named after `directory`'s path.
    public let serverDirectory: URL
    /// The server programs to use.
    public let binaries: PostgresBinaries
    /// The OS user the server runs as, or nil to run as the current user.
    public let serverUser: String?
    /// Libraries the server preloads (`shared_preload_libraries`) before pgaudit, when it is installed.
    public let preload: [String]
    /// Whether TCP logins on 127.0.0.1 are trusted rather than asked for a password: a Citus worker's,
    /// which its coordinator reaches as any role (CitusCluster).
    public let trustsLoopback: Bool

    /// The bootstrap superuser's name.
    public static let superuser = "postgres"

    /// A cluster in `directory`. Finds the server programs and, as root, checks for the `postgres` OS user.
    public init(
        directory: URL,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        preload: [String] = [],
        trustsLoopback: Bool = false
    ) async throws {
        self.directory = directory.standardizedFileURL
        self.preload = preload
        self.trustsLoopback = trustsLoopback
        self.binaries = try await PostgresBinaries.locate(environment: environment)
        if geteuid() == 0 {
            guard getpwnam("postgres") != nil else {
                throw LocalClusterError(
                    code: .osUser,
                    message:
                        "PostgreSQL refuses to run as root and there is no postgres OS user to run it as. Create one: useradd --system --create-home postgres")
            }
            serverUser = "postgres"
            serverDirectory = try await Self.serverDirectory(for: self.directory, user: "postgres", binaries: binaries)
        } else {
            serverUser = nil
            serverDirectory = self.directory
        }
    }

    /// `directory` when `user` can enter its parent folders, else a stable folder under
    /// /var/tmp/tally (world-searchable, kept across reboots) named after `directory`'s path.
    private static func serverDirectory(for directory: URL, user: String, binaries: PostgresBinaries) async throws -> URL {
        // Only the folders that exist matter: the ones tally creates are handed over.
        var parent = directory.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: parent.path) && parent.path != "/" { parent = parent.deletingLastPathComponent() }
        let probe = try await ExternalCommand(executable: URL(fileURLWithPath: "/usr/bin/test"), arguments: ["-x", parent.path], user: user).run()
        if probe.succeeded { return directory }
        let name = Hex.encode(Array(SHA256.hash(data: Data(directory.path.utf8))).prefix(8))
        let base = URL(fileURLWithPath: "/var/tmp/tally")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        return base.appendingPathComponent("\(directory.lastPathComponent)-\(name)")
    }

    var dataDirectory: URL { serverDirectory.appendingPathComponent("data") }
    var socketDirectory: URL { serverDirectory.appendingPathComponent("socket") }
    var logFile: URL { serverDirectory.appendingPathComponent("server.log") }
    var settingsFile: URL { dataDirectory.appendingPathComponent("tally.conf") }

    /// Whether `initdb` has already run in this folder.
    public var isInitialised: Bool {
        FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path)
    }

    /// Initialises the cluster if needed and starts it, or returns the server already running there.
    @discardableResult
    public func start(logger: Logger) async throws -> LocalServer {
        if let running = try await runningServer() {
            logger.debug("local cluster already running", metadata: ["port": "\(running.port)"])
            return running
        }
        if !isInitialised { try await initialise(logger: logger) }
        var port = try configuredPort()
        if !PortProbe.isFree(port) {
            port = try PortProbe.freePort()
            try await writeSettings(port: port)
        }
        let outcome = try await command("pg_ctl", ["-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "start"]).run()
        guard outcome.succeeded else {
            throw LocalClusterError(
                code: .startFailed,
                message: "the local PostgreSQL in \(serverDirectory.path) did not start: \(outcome.tail). See \(logFile.path).")
        }
        logger.info("local cluster started", metadata: ["port": "\(port)", "directory": "\(directory.path)"])
        return server(port: port)
    }

    /// Stops the server (fast shutdown: sessions are disconnected, work in flight is rolled back).
    public func stop(logger: Logger) async throws {
        guard try await runningServer() != nil else { return }
        let pidFile = dataDirectory.appendingPathComponent("postmaster.pid").path
        let pid = (try? String(contentsOfFile: pidFile, encoding: .utf8))?.split(separator: "\n").first.flatMap { pid_t($0) }
        let outcome = try await command("pg_ctl", ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"]).run()
        guard outcome.succeeded else {
            throw LocalClusterError(code: .stopFailed, message: "the local PostgreSQL in \(directory.path) did not stop: \(outcome.tail)")
        }
        // pg_ctl returns once the pid file is gone, which the postmaster removes just before it exits;
        // wait for the process itself, so that "stopped" means no process is left.
        if let pid {
            for _ in 0..<500 where Self.isAlive(pid) {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        logger.info("local cluster stopped", metadata: ["directory": "\(directory.path)"])
    }

    /// Whether a process exists and is not a zombie waiting for a parent that is not us.
    private static func isAlive(_ pid: pid_t) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] != "Z"
    }

    /// The running server, or nil when the cluster is stopped or not initialised.
    public func runningServer() async throws -> LocalServer? {
        guard isInitialised else { return nil }
        let outcome = try await command("pg_ctl", ["-D", dataDirectory.path, "status"]).run()
        guard outcome.succeeded else { return nil }
        return server(port: try configuredPort())
    }

    /// Stops the server if it runs and deletes its folders.
    public func destroy(logger: Logger) async throws {
        try await stop(logger: logger)
        for folder in Set([directory, serverDirectory]) where FileManager.default.fileExists(atPath: folder.path) {
            try FileManager.default.removeItem(at: folder)
        }
    }

    private func server(port: Int) -> LocalServer {
        LocalServer(socketDirectory: socketDirectory.path, port: port, superuser: Self.superuser, logFile: logFile.path)
    }

    private func initialise(logger: Logger) async throws {
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        try fm.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if let serverUser {
            try await handOver(to: serverUser)
        }
        let outcome = try await command(
            "initdb",
            [
                "-D", dataDirectory.path, "-U", Self.superuser, "-E", "UTF8", "--no-locale",
                "--auth-local=trust", "--auth-host=\(trustsLoopback ? "trust" : "scram-sha-256")", "--no-sync",
            ]
        ).run()
        guard outcome.succeeded else {
            throw LocalClusterError(
                code: .initFailed,
                message: "initdb failed in \(dataDirectory.path): \(outcome.tail)")
        }
        let conf = dataDirectory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: conf)
        handle.seekToEndOfFile()
        handle.write(Data("\n# Tally local cluster settings\ninclude 'tally.conf'\n".utf8))
        try handle.close()
        try await writeSettings(port: try PortProbe.freePort())
        logger.info("local cluster initialised", metadata: ["directory": "\(directory.path)"])
    }

    /// Throwaway-cluster settings: loopback only, private socket, durability traded for speed.
    private func writeSettings(port: Int) async throws {
        let libraries = preload + (binaries.hasLibrary("pgaudit") ? ["pgaudit"] : [])
        let settings = """
            # Written by tally; rewritten when the port has to change.
            port = \(port)
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(socketDirectory.path)'
            max_connections = 1000
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            log_min_messages = warning
            log_line_prefix = '%m [%p] %q%u@%d '
            \(libraries.isEmpty ? "" : "shared_preload_libraries = '\(libraries.joined(separator: ","))'\n")
            """
        try Data(settings.utf8).write(to: settingsFile)
        if let serverUser { try await handOver(to: serverUser) }
    }

    private func configuredPort() throws -> Int {
        guard let text = try? String(contentsOf: settingsFile, encoding: .utf8) else {
            throw LocalClusterError(code: .notInitialised, message: "\(settingsFile.path) is missing; delete \(directory.path) and start again")
        }
        for line in text.split(separator: "\n") where line.hasPrefix("port = ") {
            if let port = Int(line.dropFirst("port = ".count)) { return port }
        }
        throw LocalClusterError(code: .notInitialised, message: "\(settingsFile.path) names no port; delete \(directory.path) and start again")
    }

    /// Gives the whole folder to the server's OS user and checks that user can reach it.
    private func handOver(to user: String) async throws {
        guard let entry = getpwnam(user) else {
            throw LocalClusterError(code: .osUser, message: "the OS user \(user) does not exist")
        }
        let uid = entry.pointee.pw_uid
        let gid = entry.pointee.pw_gid
        let fm = FileManager.default
        let paths = [serverDirectory.path] + ((fm.subpaths(atPath: serverDirectory.path) ?? []).map { serverDirectory.appendingPathComponent($0).path })
        for path in paths { chown(path, uid, gid) }
        chmod(serverDirectory.path, 0o700)
        let probe = try await ExternalCommand(executable: URL(fileURLWithPath: "/usr/bin/test"), arguments: ["-w", serverDirectory.path], user: user).run()
        guard probe.succeeded else {
            throw LocalClusterError(
                code: .osUser,
                message:
                    "the \(user) OS user cannot reach \(serverDirectory.path); chmod o+x the parent folders, or remove it so that tally chooses a folder under /var/tmp/tally"
            )
        }
    }

    private func command(_ name: String, _ arguments: [String]) -> ExternalCommand {
        ExternalCommand(executable: binaries.url(name), arguments: arguments, user: serverUser)
    }
}
