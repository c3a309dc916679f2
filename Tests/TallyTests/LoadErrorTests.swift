import Testing

@testable import Tally

@Suite("Load errors")
struct LoadErrorTests {
    @Test("a server error is one line with the phase and SQLSTATE, without DETAIL or CONTEXT that may quote row values")
    func wrapsServerErrors() {
        var server = PostgresError(
            code: .server, message: "duplicate key value violates unique constraint \"dim_profile_pk\"",
            sqlState: "23505", detail: "Key (pseudonym)=(\\x6144df8c) already exists.", hint: "Look at the row.")
        server.context = "COPY dim_profile, line 3: \"0b9d2a5e-6c8f\""
        let error = LoadError(wrapping: server, phase: "loading profiles")
        #expect(error.code == .failed)
        #expect(error.exitCode == 1)
        #expect(
            error.message
                == "load failed while loading profiles: duplicate key value violates unique constraint \"dim_profile_pk\" (SQLSTATE 23505). Nothing was committed; fix the cause and run tally load again."
        )
        #expect(!error.message.contains("6144df8c") && !error.message.contains("0b9d2a5e"))
    }

    @Test(
        "transient server failures are transient (exit 75), others are failures (exit 1)",
        arguments: [
            ("40001", true), ("40P01", true), ("57P01", true), ("08006", true), ("23505", false), ("42P01", false),
        ])
    func transient(sqlState: String, isTransient: Bool) {
        let error = LoadError(wrapping: PostgresError(code: .server, message: "m", sqlState: sqlState), phase: "p")
        #expect(error.code == (isTransient ? .transient : .failed))
        #expect(error.exitCode == (isTransient ? 75 : 1))
    }

    @Test("a load error passes through unchanged; anything else becomes a failure with its message")
    func otherErrors() {
        let locked = LoadError(code: .locked, message: "another load holds the lock")
        let wrapped = LoadError(wrapping: locked, phase: "locking")
        #expect(wrapped.code == .locked)
        #expect(wrapped.message == "another load holds the lock")

        let other = LoadError(wrapping: ConfigurationError(message: "the disk is full"), phase: "writing metrics")
        #expect(other.code == .failed)
        #expect(other.exitCode == 1)
        #expect(other.message == "load failed while writing metrics: the disk is full. Nothing was committed.")
    }

    @Test("an interrupted run control stops the next step")
    func interruptedControl() throws {
        let control = RunControl()
        #expect(control.interruptingSignal == nil)
        try control.check()
        control.interrupt(by: 15)
        let error = #expect(throws: LoadError.self) { try control.check() }
        #expect(error?.exitCode == 143)
    }
}
