/// Why a migration command stopped. Every message says what failed and what to do.
public struct MigrationError: ExitCoded, Sendable {
    /// What kind of failure this is, for programs; it decides the exit code.
    public struct Code: Hashable, Sendable {
        let name: String
        let exitCode: Int32
        /// A file name or header is malformed.
        public static let invalidFile = Code(name: "invalidFile", exitCode: ExitStatus.validation)
        /// The files on disk disagree with the history (changed, missing, duplicate, out of order).
        public static let validation = Code(name: "validation", exitCode: ExitStatus.validation)
        /// The live schema differs from a replay of the migrations.
        public static let drift = Code(name: "drift", exitCode: ExitStatus.validation)
        /// Another migrate run holds the lock.
        public static let locked = Code(name: "locked", exitCode: ExitStatus.temporaryFailure)
        /// A migration failed on the server and was rolled back.
        public static let failed = Code(name: "failed", exitCode: ExitStatus.failure)
        /// A command was used wrongly (baseline over history, unknown file).
        public static let usage = Code(name: "usage", exitCode: ExitStatus.usage)

        /// Every code, for the exit-code table's test.
        public static let all: [Code] = [invalidFile, validation, drift, locked, failed, usage]
    }

    public var code: Code
    /// Full sentences, possibly several lines (DETAIL, HINT, CONTEXT of a server error).
    public var message: String
    public var exitCode: Int32 { code.exitCode }
    public var description: String { message }

    /// Builds an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }
}
