import Foundation
import Subprocess
import SystemPackage

/// Runs a helper program (initdb, pg_ctl, pg_dump) to completion and captures its output.
struct ExternalCommand {
    var executable: URL
    var arguments: [String]
    /// Runs the program as this OS user through `runuser` (needed when Tally runs as root).
    var user: String?

    struct Outcome {
        var status: Int32
        var output: String
        var succeeded: Bool { status == 0 }
        /// The last lines of output, for an error message.
        var tail: String {
            output.split(separator: "\n").suffix(3).joined(separator: " | ")
        }
    }

    /// Runs the program and waits for it. Subprocess closes every other descriptor in the child, so a
    /// server that pg_ctl leaves running holds none of ours open.
    func run() async throws -> Outcome {
        var path = executable.path
        var argv = arguments
        if let user {
            guard let runuser = ExternalCommand.find("runuser", in: ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]) else {
                throw LocalClusterError(
                    code: .osUser,
                    message: "running PostgreSQL as the \(user) OS user needs runuser (util-linux), which was not found")
            }
            path = runuser.path
            argv = ["-u", user, "--", executable.path] + arguments
        }
        let result = try await Subprocess.run(
            .path(FilePath(path)),
            arguments: Arguments(argv),
            output: .string(limit: 1 << 20),
            error: .combinedWithOutput
        )
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = Int32(code)
        case .signaled(let signal): status = 128 + Int32(signal)
        }
        return Outcome(status: status, output: result.standardOutput ?? "")
    }

    /// The first executable called `name` in `directories`.
    static func find(_ name: String, in directories: [String]) -> URL? {
        for directory in directories where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}
