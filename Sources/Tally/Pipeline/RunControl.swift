import Foundation

/// Lets a signal handler stop a running load: it cancels the statements in flight, and the load
/// rolls back at its next step. Shared between the signal handler's thread and the load's.
public final class RunControl: @unchecked Sendable {
    // All mutable state is guarded by `lock`.
    private let lock = NSLock()
    private var tokens: [PostgresCancelToken] = []
    private var signal: Int32?

    /// A control nobody has interrupted yet.
    public init() {}

    /// The signal that interrupted the run, if any.
    public var interruptingSignal: Int32? { lock.withLock { signal } }

    /// Called from a signal handler: remember the signal and cancel every statement in flight.
    public func interrupt(by signal: Int32) {
        let toCancel = lock.withLock { () -> [PostgresCancelToken] in
            self.signal = signal
            return tokens
        }
        for token in toCancel { token.cancel() }
    }

    /// Registers a connection whose statements an interruption cancels.
    func watch(_ connection: PostgresConnection) {
        guard let token = connection.makeCancelToken() else { return }
        let already = lock.withLock { () -> Int32? in
            tokens.append(token)
            return signal
        }
        if already != nil { token.cancel() }
    }

    /// Throws once the run has been interrupted, so it stops between steps too.
    func check() throws {
        if let signal = interruptingSignal {
            throw LoadError.interrupted(by: signal)
        }
    }
}
