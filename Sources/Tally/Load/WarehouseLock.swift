/// One load per warehouse at a time: an EXCLUSIVE lock on `etl.watermark`, taken without waiting
/// inside the load's transaction. Only the loader may lock that table (an advisory lock could be
/// taken by any analyst and would stall every night); a killed run's transaction ends and with it the lock.
enum WarehouseLock {
    /// Refuses a superuser warehouse login: it bypasses every grant that keeps private state from
    /// other roles, so the load runs as a member of tally_loader only (as the operational side runs
    /// as tally_etl_reader only).
    static func refuseSuperuser(on connection: PostgresConnection) throws {
        guard try connection.query("select rolsuper from pg_roles where rolname = current_user").scalar(as: Bool.self) else { return }
        throw LoadError(
            code: .configuration,
            message:
                "the warehouse connection logs in as \(connection.user), a superuser. Load as a login that is a member of tally_loader only, e.g. create role tally_load login password '...' in role tally_loader."
        )
    }

    /// Opens the load's transaction and takes the lock in it; on failure nothing stays open.
    static func begin(on connection: PostgresConnection) throws {
        try connection.execute("begin")
        do {
            try acquire(on: connection)
        } catch {
            if connection.isInTransaction { _ = try? connection.execute("rollback") }
            throw error
        }
    }

    private static func acquire(on connection: PostgresConnection) throws {
        do throws(PostgresError) {
            try connection.execute("lock table etl.watermark in exclusive mode nowait")
        } catch {
            guard error.sqlState == "55P03" else { throw error }
            let holder = (try? describeHolder(on: connection)) ?? "another session"
            throw LoadError(code: .locked, message: "another tally load is running on this warehouse (\(holder)); this run exits without loading.")
        }
    }

    /// pid, application, host and start of the transaction holding the lock.
    private static func describeHolder(on connection: PostgresConnection) throws -> String {
        _ = try? connection.execute("rollback")
        let result = try connection.query(
            """
            select a.pid, coalesce(nullif(a.application_name, ''), 'unnamed'),
                   coalesce(a.client_hostname, host(a.client_addr), 'local socket'),
                   to_char(a.xact_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS "UTC"')
            from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where l.locktype = 'relation' and l.granted and l.relation = 'etl.watermark'::regclass and l.mode = 'ExclusiveLock'
            """)
        guard result.count > 0 else { return "a session that has since finished" }
        let row = result[0]
        return
            "pid \(try row.decode(0, as: Int.self)), application \(try row.decode(1, as: String.self)), host \(try row.decode(2, as: String.self)), since \(try row.decode(3, as: String.self))"
    }
}
