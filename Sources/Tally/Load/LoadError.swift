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
        /// Rejects went over the configured share.
        public static let dataQuality = Code(name: "dataQuality", exitCode: ExitStatus.validation)
    }

    public var code: Code
    public var message: String
    public var exitCode: Int32 { code.exitCode }
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
            self.init(code: .failed, message: "load failed while \(phase): \(ExitStatus.of(error).message). Nothing was committed.")
        }
    }

    /// Builds an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}
