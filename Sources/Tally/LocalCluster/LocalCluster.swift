import Foundation
import Logging

/// A throwaway PostgreSQL cluster in a folder of its own, on a free loopback port and a private
/// unix-socket folder. Used by `tally demo`, `tally dev` and the integration tests.
///
/// When Tally runs as root, the server runs as the `postgres` OS user, because PostgreSQL refuses root.
public struct LocalCluster: Sendable {
    /// The cluster's folder: `data/`, `socket/` and `server.log` live here.
    public let directory: URL
    /// The server programs to use.
    public let binaries: PostgresBinaries
    /// The OS user the server runs as, or nil to run as the current user.
    public let serverUser: String?

    /// The bootstrap superuser's name.
    public static let superuser = "postgres"

    /// A cluster in `directory`. Finds the server programs and, as root, checks for the `postgres` OS user.
    public init(
        directory: URL,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws {
        self.directory = directory.standardizedFileURL
        self.binaries = try await PostgresBinaries.locate(environment: environment)
        if geteuid() == 0 {
            guard getpwnam("postgres") != nil else {
                throw LocalClusterError(
                    code: .osUser,
                    message: "PostgreSQL refuses to run as root and there is no postgres OS user to run it as. Create one: useradd --system --create-home postgres")
            }
            serverUser = "postgres"
        } else {
            serverUser = nil
        }
    }

    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var socketDirectory: URL { directory.appendingPathComponent("socket") }
    var logFile: URL { directory.appendingPathComponent("server.log") }
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
                message: "the local PostgreSQL in \(directory.path) did not start: \(outcome.tail). See \(logFile.path).")
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

    /// Stops the server if it runs and deletes the folder.
    public func destroy(logger: Logger) async throws {
        try await stop(logger: logger)
        if FileManager.default.fileExists(atPath: directory.path) {
            try FileManager.default.removeItem(at: directory)
        }
    }

    private func server(port: Int) -> LocalServer {
        LocalServer(socketDirectory: socketDirectory.path, port: port, superuser: Self.superuser)
    }

    private func initialise(logger: Logger) async throws {
        let fm = FileManager.default
        try fm.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        if let serverUser {
            try await handOver(to: serverUser)
        }
        let outcome = try await command("initdb", [
            "-D", dataDirectory.path, "-U", Self.superuser, "-E", "UTF8", "--no-locale",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
        ]).run()
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
        let settings = """
            # Written by tally; rewritten when the port has to change.
            port = \(port)
            listen_addresses = '127.0.0.1'
            unix_socket_directories = '\(socketDirectory.path)'
            max_connections = 300
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            log_min_messages = warning
            log_line_prefix = '%m [%p] %q%u@%d '

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
        let paths = [directory.path] + ((fm.subpaths(atPath: directory.path) ?? []).map { directory.appendingPathComponent($0).path })
        for path in paths { chown(path, uid, gid) }
        chmod(directory.path, 0o700)
        let probe = try await ExternalCommand(executable: URL(fileURLWithPath: "/usr/bin/test"), arguments: ["-w", directory.path], user: user).run()
        guard probe.succeeded else {
            throw LocalClusterError(
                code: .osUser,
                message: "the \(user) OS user cannot reach \(directory.path); choose a folder whose parents it can enter (for example under /tmp), or chmod o+x the parent folders")
        }
    }

    private func command(_ name: String, _ arguments: [String]) -> ExternalCommand {
        ExternalCommand(executable: binaries.url(name), arguments: arguments, user: serverUser)
    }
}
