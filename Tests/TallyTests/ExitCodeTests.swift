import Foundation
import Testing

@testable import Tally

/// Every error a command can end with maps to a code of the README's exit-code table.
@Suite("exit codes")
struct ExitCodeTests {
    /// The codes in the README's "Exit codes" table (`| 130 / 143 |` gives both).
    static let documented: Set<Int32> = {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        guard let text = try? String(contentsOf: readme, encoding: .utf8), let start = text.range(of: "## Exit codes") else { return [] }
        var codes: Set<Int32> = []
        for line in text[start.upperBound...].split(separator: "\n").prefix(while: { !$0.hasPrefix("#") }) where line.hasPrefix("| ") {
            let cell = line.split(separator: "|").first ?? ""
            for part in cell.split(separator: "/") {
                if let code = Int32(part.trimmingCharacters(in: .whitespaces)) { codes.insert(code) }
            }
        }
        return codes
    }()

    @Test("the README's table lists the codes of ExitStatus")
    func tableIsReadable() {
        #expect(
            Self.documented.isSuperset(of: [
                ExitStatus.success, ExitStatus.failure, ExitStatus.usage, ExitStatus.validation, ExitStatus.temporaryFailure, 130, 143,
            ]))
    }

    @Test("every load error code exits with a documented code")
    func loadErrors() {
        for code in LoadError.Code.all {
            let error = LoadError(code: code, message: "x")
            #expect(Self.documented.contains(error.exitCode), "\(code)")
        }
        #expect(LoadError(code: .locked, message: "x").exitCode == 75)
        #expect(LoadError(code: .configuration, message: "x").exitCode == 2)
        #expect(LoadError(code: .committedWithProblem, message: "x").exitCode == 3)
        #expect(LoadError(code: .sourceRewound, message: "x").exitCode == 1)
    }

    @Test("an interrupted load exits 128 + signal: 130 for SIGINT, 143 for SIGTERM")
    func interrupted() {
        #expect(LoadError.interrupted(by: SIGINT).exitCode == 130)
        #expect(LoadError.interrupted(by: SIGTERM).exitCode == 143)
        #expect(Self.documented.contains(130) && Self.documented.contains(143))
    }

    @Test("migration, configuration, database and local-cluster errors exit with documented codes")
    func otherErrors() {
        for code in MigrationError.Code.all {
            #expect(Self.documented.contains(MigrationError(code: code, message: "x").exitCode), "\(code)")
        }
        #expect(MigrationError(code: .drift, message: "x").exitCode == 3)
        #expect(MigrationError(code: .locked, message: "x").exitCode == 75)
        #expect(ConfigurationError(message: "x").exitCode == 2)
        for code in PostgresError.Code.all {
            #expect(ExitStatus.of(PostgresError(code: code, message: "x")).code == 1, "\(code)")
        }
        for code in LocalClusterError.Code.all {
            #expect(ExitStatus.of(LocalClusterError(code: code, message: "x")).code == 1, "\(code)")
        }
    }

    @Test("an error tally does not know is reported as a bug, with exit 1, not dumped")
    func unknownError() {
        struct Strange: Error {}
        let (code, message) = ExitStatus.of(Strange())
        #expect(code == 1)
        #expect(message.contains("bug in tally"))
    }

    @Test("a committed run with too many rejects exits 3 and says it committed")
    func rejectShare() throws {
        var report = NightlyLoad.Report()
        report.runID = 7
        report.rowsExtracted = 100
        report.rowsRejected = 6
        let error = #expect(throws: LoadError.self) { try report.checkRejectShare(maximum: 0.05) }
        #expect(error?.exitCode == 3)
        #expect(error?.message.hasPrefix("run 7 committed") == true)
        report.rowsRejected = 5
        #expect(throws: Never.self) { try report.checkRejectShare(maximum: 0.05) }
    }
}
