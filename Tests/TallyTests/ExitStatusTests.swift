import Foundation
import Tally
import Testing

/// The exit codes are documented in the README; cron jobs and alerts depend on them.
@Suite("Exit codes")
struct ExitStatusTests {
    @Test("the documented codes")
    func documented() {
        #expect(ExitStatus.success == 0)
        #expect(ExitStatus.failure == 1)
        #expect(ExitStatus.usage == 2)
        #expect(ExitStatus.validation == 3)
        #expect(ExitStatus.temporaryFailure == 75)
    }

    @Test(
        "each migration error code ends with its documented exit code",
        arguments: [
            (MigrationError.Code.invalidFile, Int32(3)), (.validation, 3), (.drift, 3), (.locked, 75), (.failed, 1), (.usage, 2),
        ])
    func migrationCodes(code: MigrationError.Code, exitCode: Int32) {
        let error = MigrationError(code: code, message: "m")
        #expect(ExitStatus.of(error).code == exitCode)
        #expect(ExitStatus.of(error).message == "m")
    }

    @Test(
        "each load error code ends with its documented exit code",
        arguments: [
            (LoadError.Code.configuration, Int32(2)), (.locked, 75), (.schema, 1), (.usage, 2), (.failed, 1), (.transient, 75), (.committedWithProblem, 3),
        ])
    func loadCodes(code: LoadError.Code, exitCode: Int32) {
        #expect(ExitStatus.of(LoadError(code: code, message: "m")).code == exitCode)
    }

    @Test("errors of other kinds end with 1 and their own message, never a type dump")
    func otherErrors() {
        let postgres = PostgresError(code: .server, message: "relation \"x\" does not exist", sqlState: "42P01")
        #expect(ExitStatus.of(postgres) == (1, "ERROR:  relation \"x\" does not exist (SQLSTATE 42P01)"))
        let cluster = LocalClusterError(code: .missingPostgres, message: "initdb was not found. Install PostgreSQL.")
        #expect(ExitStatus.of(cluster) == (1, "initdb was not found. Install PostgreSQL."))
        #expect(ExitStatus.of(ConfigurationError(message: "set it")) == (2, "set it"))
        struct Odd: Error, CustomStringConvertible { var description: String { "odd failure" } }
        #expect(ExitStatus.of(Odd()).code == 1)
        #expect(!ExitStatus.of(Odd()).message.contains("ExitStatusTests"), "no type dump")
    }

    @Test("an interrupted load ends with 128 + the signal and says nothing was committed", arguments: [(Int32(2), Int32(130)), (15, 143)])
    func interrupted(signal: Int32, exitCode: Int32) {
        let error = LoadError.interrupted(by: signal)
        #expect(error.exitCode == exitCode)
        #expect(error.message.hasPrefix("load interrupted by signal \(signal) and rolled back; nothing was committed"))
    }

}
