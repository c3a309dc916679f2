/// One load per warehouse at a time: a session-level advisory lock, taken without waiting.
/// A killed run loses its session and with it the lock.
struct WarehouseLock {
    /// `tally` in ASCII, then 2 for load (migrate uses 1).
    static let key = 0x7461_6C6C_7900_0002

    let connection: PostgresConnection

    static func acquire(on connection: PostgresConnection) throws -> WarehouseLock {
        let taken = try connection.query("select pg_try_advisory_lock($1)", [key]).scalar(as: Bool.self)
        guard taken else {
            let holder = (try? AdvisoryLockHolder.describe(key: key, on: connection)) ?? "another session"
            throw LoadError(code: .locked, message: "another tally load is running on this warehouse (\(holder)); this run exits without loading.")
        }
        return WarehouseLock(connection: connection)
    }

    func release() {
        _ = try? connection.query("select pg_advisory_unlock($1)", [WarehouseLock.key])
    }
}
