/// How to reach a running local cluster.
public struct LocalServer: Sendable, Equatable {
    /// The private unix-socket folder (libpq's `host` for socket connections).
    public let socketDirectory: String
    /// The loopback TCP port, also part of the socket file name.
    public let port: Int
    /// The bootstrap superuser, trusted on the unix socket only.
    public let superuser: String
    /// The server's log (pgaudit's AUDIT lines among it).
    public let logFile: String

    /// Seconds a connection waits for this server. It runs on this machine and was started by us, so
    /// it is never unreachable; but a backend starts slowly on a machine loaded by the tests (one
    /// CI run gave up after libpq's usual 10 s), so waiting longer only turns a spurious failure
    /// into a slow success.
    static let connectTimeout = "60"

    /// A libpq keyword connection string for `database` over the unix socket.
    public func conninfo(database: String, user: String? = nil) -> String {
        Conninfo.keywords([
            ("host", socketDirectory), ("port", String(port)), ("user", user ?? superuser), ("dbname", database),
            ("connect_timeout", Self.connectTimeout),
        ])
    }

    /// A conninfo over TCP on 127.0.0.1, where password authentication applies.
    public func tcpConninfo(database: String, user: String, password: String? = nil) -> String {
        var pairs = [("host", "127.0.0.1"), ("port", String(port)), ("user", user), ("dbname", database), ("connect_timeout", Self.connectTimeout)]
        if let password { pairs.append(("password", password)) }
        return Conninfo.keywords(pairs)
    }

    /// The PG* variables that make a bare `psql` connect to this server.
    public var libpqEnvironment: [(String, String)] {
        [("PGHOST", socketDirectory), ("PGPORT", String(port)), ("PGUSER", superuser), ("PGDATABASE", "postgres")]
    }
}
