import CLibpq

extension PostgresConnection {
    /// `name` as a quoted SQL identifier (libpq's `PQescapeIdentifier`), for DDL that cannot take parameters.
    public func escapeIdentifier(_ name: String) throws(PostgresError) -> String {
        guard let escaped = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PostgresError(connection: handle, code: .server, redacting: secrets)
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }

    /// `value` as a quoted SQL literal (libpq's `PQescapeLiteral`), for statements that cannot take parameters.
    public func escapeLiteral(_ value: String) throws(PostgresError) -> String {
        guard let escaped = PQescapeLiteral(handle, value, value.utf8.count) else {
            throw PostgresError(connection: handle, code: .server, redacting: secrets)
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
    }
}
