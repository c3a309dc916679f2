import Foundation
import Logging
import Tally
import Testing

@Suite("Local cluster and tally dev", .enabled(if: TestServer.isAvailable))
struct LocalClusterTests {
    @Test("dev start, env, psql, a second start reusing the server, then stop leaving no process")
    func devLifecycle() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tally-dev-\(UUID().uuidString.prefix(8))").path
        do {
            try await devLifecycle(in: dir)
        } catch {
            Issue.record(error)
        }
        // Whatever failed above, leave no server and no folder behind.
        _ = try? await TallyBinary.run(["dev", "stop", "--dir", dir])
        _ = try? FileManager.default.removeItem(atPath: dir)
    }

    private func devLifecycle(in dir: String) async throws {
        let first = try await TallyBinary.run(["dev", "start", "--dir", dir])
        #expect(first.status == 0, "\(first.stderr)")
        let env = try await TallyBinary.run(["dev", "env", "--dir", dir])
        #expect(env.status == 0)
        #expect(env.stdout.contains("export PGHOST="))
        #expect(env.stdout.contains("export TALLY_WAREHOUSE_URL="))

        // What a user types: eval the exports, then a bare psql.
        let psql = try await runShell(
            "eval \"$(\(TallyBinary.url.path) dev env --dir '\(dir)')\"; psql -Atc 'select 1' && psql -d tally_warehouse -Atc 'select current_database()'")
        #expect(psql.status == 0, "\(psql.stderr)")
        #expect(psql.stdout == "1\ntally_warehouse\n")

        let pid = try String(contentsOfFile: "\(dir)/data/postmaster.pid", encoding: .utf8).split(separator: "\n")[0]
        let second = try await TallyBinary.run(["dev", "start", "--dir", dir])
        #expect(second.status == 0)
        #expect(second.stdout == first.stdout, "the second start reuses the same server")
        let pidAfter = try String(contentsOfFile: "\(dir)/data/postmaster.pid", encoding: .utf8).split(separator: "\n")[0]
        #expect(pid == pidAfter)

        let stop = try await TallyBinary.run(["dev", "stop", "--dir", dir])
        #expect(stop.status == 0, "\(stop.stderr)")
        #expect(!isProcessRunning(String(pid)), "the postmaster is gone")
        let status = try await TallyBinary.run(["dev", "status", "--dir", dir])
        #expect(status.status == 1)
        #expect(status.stdout == "stopped\n")
    }

    @Test("dev env on a stopped cluster says how to start it")
    func envWhenStopped() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tally-none-\(UUID().uuidString.prefix(8))").path
        let env = try await TallyBinary.run(["dev", "env", "--dir", dir])
        #expect(env.status == 1)
        #expect(env.stderr.contains("is not running; start it with: swift run tally dev start"))
    }

    @Test("missing server programs give one line saying what to install")
    func missingPostgres() async throws {
        let error = await #expect(throws: LocalClusterError.self) {
            _ = try await PostgresBinaries.locate(environment: ["PATH": "/nonexistent"], versionsRoot: "/nonexistent")
        }
        #expect(error?.code == .missingPostgres)
        #expect(error?.message.contains("apt-get install postgresql") == true)
        #expect(error?.message.contains("\n") == false)
    }
}

/// Runs a bash command line and captures its output.
func runShell(_ command: String) async throws -> TallyBinary.Outcome {
    try await TallyBinary.runProgram("/bin/bash", ["-c", command])
}

/// Whether a process runs (a zombie waiting for a reaping init does not count).
func isProcessRunning(_ pid: String) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}
