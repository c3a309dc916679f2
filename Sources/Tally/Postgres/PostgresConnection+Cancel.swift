import CLibpq

/// Asks the server to cancel whatever a connection is running. Safe to call from another thread
/// (libpq's PQcancel is designed for signal handlers and other threads).
public final class PostgresCancelToken: @unchecked Sendable {
    // PGcancel is immutable after creation and PQcancel is thread-safe, so sharing it is safe.
    private let pointer: OpaquePointer

    init?(connection: OpaquePointer) {
        guard let pointer = PQgetCancel(connection) else { return nil }
        self.pointer = pointer
    }

    deinit {
        PQfreeCancel(pointer)
    }

    /// Sends the cancel request; the running statement then fails with SQLSTATE 57014.
    public func cancel() {
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(pointer, &buffer, Int32(buffer.count))
    }
}

extension PostgresConnection {
    /// A token another thread can use to cancel this connection's running statement.
    public func makeCancelToken() -> PostgresCancelToken? {
        PostgresCancelToken(connection: handle)
    }
}
