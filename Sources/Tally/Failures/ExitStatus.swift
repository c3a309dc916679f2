/// An error that knows the process exit code it should end with.
public protocol ExitCoded: Error, CustomStringConvertible {
    /// The documented exit code for this failure.
    var exitCode: Int32 { get }
}

/// The documented exit codes, shared by every command (see the README).
public enum ExitStatus {
    /// Success.
    public static let success: Int32 = 0
    /// Failed; nothing was committed.
    public static let failure: Int32 = 1
    /// Bad usage or configuration.
    public static let usage: Int32 = 2
    /// Validation failure, drift, or a data-quality threshold exceeded.
    public static let validation: Int32 = 3
    /// Another run holds the lock, or a transient failure persisted (EX_TEMPFAIL).
    public static let temporaryFailure: Int32 = 75

    /// The exit code and the one-line message for any error a command may end with.
    public static func of(_ error: Error) -> (code: Int32, message: String) {
        switch error {
        case let coded as ExitCoded:
            return (coded.exitCode, coded.description)
        case let postgres as PostgresError:
            return (failure, postgres.description)
        case let cluster as LocalClusterError:
            return (failure, cluster.description)
        default:
            return (failure, String(describing: error))
        }
    }
}
