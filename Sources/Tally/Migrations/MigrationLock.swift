import Logging

/// A session-level advisory lock per database, held on a dedicated connection for a whole migrate run.
/// A killed run loses its session and with it the lock: nothing stays locked.
struct MigrationLock {
    /// `tally` in ASCII, then 1 for migrate; the load takes another key.
    static let key = 0x7461_6C6C_7900_0001

    let connection: PostgresConnection

    /// Waits up to `timeout` seconds, then fails naming the holder.
    static func acquire(conninfo: String, database: String, timeout: Double, logger: Logger) throws -> MigrationLock {
        let connection = try PostgresConnection.connect(conninfo, applicationName: "tally migrate", logger: logger)
        try connection.execute("set lock_timeout = \(max(1, Int(timeout * 1000)))")
        do throws(PostgresError) {
            try connection.query("select pg_advisory_lock($1)", [key])
        } catch {
            guard error.sqlState == "55P03" else { throw error }
            let holder = (try? AdvisoryLockHolder.describe(key: key, on: connection)) ?? "another session"
            throw MigrationError(
                code: .locked,
                message:
                    "\(database): another tally migrate holds the migration lock (\(holder)); gave up after \(timeout.formatted()) s. Wait for it to finish or raise --lock-timeout."
            )
        }
        try connection.execute("set lock_timeout = 0")
        return MigrationLock(connection: connection)
    }

    func release() {
        _ = try? connection.query("select pg_advisory_unlock($1)", [MigrationLock.key])
        connection.close()
    }
}

/// Names the session that holds an advisory lock: pid, and the login, application, host and since
/// when as far as the migrating role may see them.
enum AdvisoryLockHolder {
    static func describe(key: Int, on connection: PostgresConnection) throws -> String {
        let holder = try LockHolder.first(
            in: connection.query(
                """
                select \(LockHolder.columns) from (
                    select a.pid, a.usename::text as login, nullif(a.application_name, '') as application,
                           case when a.client_port = -1 then 'local socket' else coalesce(a.client_hostname, host(a.client_addr)) end as client,
                           coalesce(a.xact_start, a.backend_start) as since
                    from pg_locks l join pg_stat_activity a on a.pid = l.pid
                    where l.locktype = 'advisory' and l.granted and l.objsubid = 1
                      and l.database = (select oid from pg_database where datname = current_database())
                      and ((l.classid::bigint << 32) | l.objid::bigint) = $1
                ) holder
                """, [key]))
        return holder?.description ?? "a session that has since let go"
    }
}

extension Double {
    func formatted() -> String {
        self == rounded() ? String(Int(self)) : String(self)
    }
}
