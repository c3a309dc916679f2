import Foundation
import Subprocess
import SystemPackage
import Tally

/// The `tally` executable that `swift build` put next to the test bundle, run as cron or a user would.
enum TallyBinary {
    struct Outcome: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var url: URL {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return here.appendingPathComponent("tally")
    }

    /// Runs `tally arguments...` with `environment` added to (or, for nil values, removed from) this process's.
    static func run(_ arguments: [String], environment: [String: String?] = [:]) async throws -> Outcome {
        try await runProgram(url.path, arguments, environment: environment)
    }

    /// Runs `tally arguments...` and sends it `signal` once `isReady` says the run has reached the
    /// point the test holds it at (a lock the test holds, seen in pg_stat_activity): no clock decides
    /// where the signal lands. Returns the exit status (128 + signal when the signal ended it).
    static func run(
        _ arguments: [String], environment: [String: String?], signal: Signal, when isReady: @escaping @Sendable () throws -> Bool
    ) async throws -> Int32 {
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment { updates[Environment.Key(stringLiteral: key)] = value }
        let result = try await Subprocess.run(
            .path(FilePath(url.path)), arguments: Arguments(arguments), environment: .inherit.updating(updates),
            input: .none, output: .discarded, error: .discarded
        ) { execution in
            let pid = execution.processIdentifier.value
            let number = signal.rawValue
            _ = try await onThread {
                // Polled on a thread of its own, bounded: 60 s, or until the process is gone.
                for _ in 0..<3000 where kill(pid, 0) == 0 {
                    if try isReady() { return kill(pid, number) }
                    usleep(20_000)
                }
                return kill(pid, number)
            }
        }
        switch result.terminationStatus {
        case .exited(let code): return Int32(code)
        case .signaled(let s): return 128 + Int32(s)
        }
    }

    /// Whether a session of `application` (a prefix) waits for a lock in the database of `conninfo`
    /// (tests share a server, so other tests' loads must not count).
    static func isWaitingOnLock(_ conninfo: String, application: String) throws -> Bool {
        let monitor = try PostgresConnection.connect(conninfo, logger: quietLogger())
        defer { monitor.close() }
        return try monitor.query(
            """
            select exists (select 1 from pg_stat_activity
                           where datname = current_database() and application_name like $1 || '%' and wait_event_type = 'Lock')
            """, [application]
        ).scalar(as: Bool.self)
    }

    /// Waits (up to 60 s) until no session of `application` (a prefix) is left in the databases.
    static func waitUntilGone(application: String, in databases: [TestDatabase]) async throws {
        for _ in 0..<600 {
            var left = 0
            for database in databases { left += try sessions(of: application, database.conninfo) }
            if left == 0 { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
    }

    private static func sessions(of application: String, _ conninfo: String) throws -> Int {
        let monitor = try PostgresConnection.connect(conninfo, logger: quietLogger())
        defer { monitor.close() }
        return try monitor.query(
            "select count(*)::int from pg_stat_activity where datname = current_database() and application_name like $1 || '%'", [application]
        ).scalar(as: Int.self)
    }

    /// Runs any program the same way.
    static func runProgram(_ path: String, _ arguments: [String], environment: [String: String?] = [:]) async throws -> Outcome {
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment { updates[Environment.Key(stringLiteral: key)] = value }
        let result = try await Subprocess.run(
            .path(FilePath(path)),
            arguments: Arguments(arguments),
            environment: .inherit.updating(updates),
            output: .string(limit: 1 << 22),
            error: .string(limit: 1 << 22)
        )
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = Int32(code)
        case .signaled(let signal): status = 128 + Int32(signal)
        }
        return Outcome(status: status, stdout: result.standardOutput, stderr: result.standardError)
    }
}
