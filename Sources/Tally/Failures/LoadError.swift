/// Why a load stopped. The message says what failed and how to fix it; nothing was committed.
public struct LoadError: ExitCoded, Sendable {
    /// What kind of failure this is, for programs; it decides the exit code.
    public struct Code: Hashable, Sendable {
        let name: String
        let exitCode: Int32
        /// Missing or unsafe configuration: key file, URLs, a connection that could read PII.
        public static let configuration = Code(name: "configuration", exitCode: ExitStatus.usage)
        /// Another load holds the warehouse lock.
        public static let locked = Code(name: "locked", exitCode: ExitStatus.temporaryFailure)
        /// The warehouse is not migrated, or the source is not what the contract says.
        public static let schema = Code(name: "schema", exitCode: ExitStatus.failure)
        /// A bad argument (such as a rebuild range).
        public static let usage = Code(name: "usage", exitCode: ExitStatus.usage)
        /// The run failed and was rolled back.
        public static let failed = Code(name: "failed", exitCode: ExitStatus.failure)
        /// The run failed in a way a later retry may not (connection lost, serialization, shutdown).
        public static let transient = Code(name: "transient", exitCode: ExitStatus.temporaryFailure)
        /// The run committed, but a check after it failed: rejects over the configured share, or a
        /// metrics file that could not be written.
        public static let committedWithProblem = Code(name: "committedWithProblem", exitCode: ExitStatus.validation)
        /// The source's transaction ids went back (a restore or a failover): loading would skip rows.
        public static let sourceRewound = Code(name: "sourceRewound", exitCode: ExitStatus.failure)
        /// The run was stopped by SIGINT or SIGTERM and rolled back (exit 128 + signal, set per error).
        public static let interrupted = Code(name: "interrupted", exitCode: ExitStatus.failure)

        /// Every code, for the exit-code table's test.
        public static let all: [Code] = [configuration, locked, schema, usage, failed, transient, committedWithProblem, sourceRewound, interrupted]
    }

    public var code: Code
    public var message: String
    /// The signal that stopped the run, for `.interrupted`.
    public var signal: Int32?
    public var exitCode: Int32 { signal.map { 128 + $0 } ?? code.exitCode }
    public var description: String { message }

    /// One line for any failure of a run. Server errors keep message and SQLSTATE but drop DETAIL
    /// and CONTEXT, which can quote row values (pseudonyms, ids) that do not belong in logs.
    public init(wrapping error: Error, phase: String) {
        switch error {
        case let load as LoadError:
            self = load
        case let postgres as PostgresError:
            let state = postgres.sqlState.map { " (SQLSTATE \($0))" } ?? ""
            self.init(
                code: postgres.isTransient ? .transient : .failed,
                message: "load failed while \(phase): \(postgres.message)\(state). Nothing was committed; fix the cause and run tally load again.")
        default:
            let message = ExitStatus.of(error).message
            let sentence = message.hasSuffix(".") ? message : message + "."
            self.init(code: .failed, message: "load failed while \(phase): \(sentence) Nothing was committed.")
        }
    }

    /// Builds an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}

extension LoadError {
    /// The run was stopped by SIGINT or SIGTERM and rolled back; exit 128 + signal.
    public static func interrupted(by signal: Int32) -> LoadError {
        var error = LoadError(
            code: .interrupted,
            message: "load interrupted by signal \(signal) and rolled back; nothing was committed and the lock is released. Run tally load again.")
        error.signal = signal
        return error
    }
}
