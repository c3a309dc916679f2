/// Why a local cluster could not be created, started or stopped.
public struct LocalClusterError: ExitCoded, Sendable {
    /// What kind of failure this is, for programs.
    public struct Code: Hashable, Sendable {
        let name: String
        /// initdb/pg_ctl could not be found.
        public static let missingPostgres = Code(name: "missingPostgres")
        /// Running as root, but the OS user for the server is missing or cannot reach the folder.
        public static let osUser = Code(name: "osUser")
        /// initdb failed.
        public static let initFailed = Code(name: "initFailed")
        /// The server did not start.
        public static let startFailed = Code(name: "startFailed")
        /// The server did not stop.
        public static let stopFailed = Code(name: "stopFailed")
        /// The cluster folder holds no cluster.
        public static let notInitialised = Code(name: "notInitialised")
        /// A server program other than the server itself (pg_dump, psql) failed.
        public static let commandFailed = Code(name: "commandFailed")

        /// Every code, for the exit-code table's test.
        public static let all: [Code] = [missingPostgres, osUser, initFailed, startFailed, stopFailed, notInitialised, commandFailed]
    }

    /// What kind of failure this is.
    public var code: Code
    /// A full sentence saying what failed and how to fix it.
    public var message: String

    /// Builds an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
    /// Every local-cluster failure is a plain failure (exit 1): nothing of the user's was changed.
    public var exitCode: Int32 { ExitStatus.failure }
}
