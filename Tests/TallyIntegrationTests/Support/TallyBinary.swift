import Foundation
import Subprocess
import SystemPackage

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
        return Outcome(status: status, stdout: result.standardOutput ?? "", stderr: result.standardError ?? "")
    }
}
