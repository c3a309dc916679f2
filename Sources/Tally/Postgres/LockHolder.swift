/// The session that holds a lock, in the words of `pg_locks` and `pg_stat_activity`: always its pid,
/// and whatever else the server lets the asking role see.
struct LockHolder {
    var pid: Int
    var login: String?
    var application: String?
    var client: String?
    /// Start of its transaction (or of its session), as UTC text.
    var since: String?

    /// The select list that `first(in:)` reads, over a `pid, login, application, client, since` relation.
    static let columns = "pid, login, application, client, to_char(since at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS \"UTC\"')"

    /// The holder in the first row of a query that selects `columns`; nil when nobody holds the lock.
    static func first(in result: PostgresResult) throws -> LockHolder? {
        guard result.count > 0 else { return nil }
        let row = result[0]
        return LockHolder(
            pid: try row.decode(0), login: try row.decode(1), application: try row.decode(2), client: try row.decode(3),
            since: try row.decode(4))
    }

    /// "pid 4711, login tally_load, application tally load, host 10.0.0.5, since 2026-12-01 02:15:00 UTC".
    var description: String {
        var parts = ["pid \(pid)"]
        if let login { parts.append("login \(login)") }
        parts.append("application \(application ?? "unnamed")")
        if let client { parts.append("host \(client)") }
        if let since { parts.append("since \(since)") }
        return parts.joined(separator: ", ")
    }
}
