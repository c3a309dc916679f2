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

    /// The session holding the lock, through `etl.load_lock_holder()`, which sees every login's sessions.
    private static func describeHolder(on connection: PostgresConnection) throws -> String {
        _ = try? connection.execute("rollback")
        let holder = try LockHolder.first(in: connection.query("select \(LockHolder.columns) from etl.load_lock_holder()"))
        return holder?.description ?? "a session that has since finished"
    }
}
