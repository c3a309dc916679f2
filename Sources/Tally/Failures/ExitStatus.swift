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

    /// The exit code and the message for any error a command may end with. Every error type of
    /// the library is `ExitCoded`; anything else is a defect in tally, said as such.
    public static func of(_ error: Error) -> (code: Int32, message: String) {
        if let coded = error as? ExitCoded { return (coded.exitCode, coded.description) }
        if let described = error as? CustomStringConvertible { return (failure, described.description) }
        return (failure, "unexpected \(type(of: error)): \(error.localizedDescription). This is a bug in tally; please report it with the command you ran.")
    }
}
