import Foundation
import Logging
import Tally
import Testing

@Suite("Postgres connections", .enabled(if: TestServer.isAvailable))
struct PostgresConnectionTests {
    @Test("connects by postgresql:// URI with a password over TCP")
    func connectByURI() async throws {
        try await withTestDatabase { db in
            let local = try #require(db.server.local, "needs the local cluster for its TCP port")
            try await withLoginRole(in: db) { role, password in
                let encoded = try #require(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                let uri = "postgresql://\(role):\(encoded)@127.0.0.1:\(local.port)/\(db.name)"
                let connection = try PostgresConnection.connect(uri, logger: quietLogger())
                #expect(try connection.query("select current_user::text").scalar(as: String.self) == role)
                #expect(connection.database == db.name)
            }
        }
    }

    @Test("connects from PG* environment variables, as psql does")
    func connectByEnvironment() async throws {
        try await withTestDatabase { db in
            let local = try #require(db.server.local)
            let outcome = try await TallyBinary.run(
                ["check", "--db", "warehouse"],
                environment: [
                    "PGHOST": local.socketDirectory, "PGPORT": String(local.port), "PGUSER": local.superuser,
                    "PGDATABASE": db.name, "TALLY_WAREHOUSE_URL": "application_name=env-test",
                ])
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(outcome.stdout.contains("connected to \(db.name) as \(local.superuser)"))
        }
    }

    @Test("reads the password from a .pgpass file")
    func connectThroughPgpass() async throws {
        try await withTestDatabase { db in
            let local = try #require(db.server.local)
            try await withLoginRole(in: db) { role, password in
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)")
                try Data("127.0.0.1:\(local.port):\(db.name):\(role):\(password)\n".utf8).write(to: file)
                chmod(file.path, 0o600)
                defer { try? FileManager.default.removeItem(at: file) }
                let conninfo = local.tcpConninfo(database: db.name, user: role) + " passfile=\(Conninfo.quote(file.path))"
                let connection = try PostgresConnection.connect(conninfo, logger: quietLogger())
                #expect(try connection.query("select current_user::text").scalar(as: String.self) == role)
            }
        }
    }

    @Test("a wrong password fails without the password in the error")
    func wrongPassword() async throws {
        try await withTestDatabase { db in
            let local = try #require(db.server.local)
            try await withLoginRole(in: db) { role, _ in
                let wrong = "Sekr3t-\(UUID().uuidString)"
                for conninfo in [
                    local.tcpConninfo(database: db.name, user: role, password: wrong),
                    "postgresql://\(role):\(wrong)@127.0.0.1:\(local.port)/\(db.name)",
                ] {
                    let error = #expect(throws: PostgresError.self) {
                        try PostgresConnection.connect(conninfo, logger: quietLogger())
                    }
                    let text = "\(String(describing: error)) \(error?.message ?? "")"
                    #expect(error?.code == .connectionFailed)
                    #expect(text.contains("password authentication failed"))
                    #expect(text.contains("127.0.0.1:\(local.port)"))
                    #expect(!text.contains(wrong))
                }
            }
        }
    }

    @Test("a closed port fails at once and names host and port")
    func closedPort() throws {
        // A socket bound to the port but not listening: the kernel refuses connections to it, and no
        // server that the tests start in parallel can take the port meanwhile.
        let closed = try SilentListener(listening: false)
        defer { closed.close() }
        let port = closed.port
        let started = Date()
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect("host=127.0.0.1 port=\(port) dbname=x user=x", logger: quietLogger())
        }
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true)
        #expect(error?.message.contains("refused") == true)
    }

    @Test("a server that never answers fails within the connect timeout")
    func unresponsiveServer() throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let started = Date()
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect(
                "host=127.0.0.1 port=\(listener.port) dbname=x user=x", connectTimeout: 2, logger: quietLogger())
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 15)
        // It waited for the timeout, not failed at once; libpq counts connect_timeout in whole
        // seconds of the wall clock, so a 2 s timeout can end after just over 1 s.
        #expect(elapsed >= 0.9)
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("127.0.0.1:\(listener.port)") == true)
    }

    @Test("an error on line 30 of a multi-statement script is reported at line 30")
    func scriptErrorLine() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            var lines = ["-- a script with comments and a function body first", "create table ok (id int);"]
            lines.append(contentsOf: [
                "create function f() returns int language plpgsql as $$",
                "begin",
                "    -- a semicolon inside the body; and a quote '",
                "    return 1;",
                "end $$;",
            ])
            while lines.count < 29 { lines.append("insert into ok values (\(lines.count));") }
            lines.append("select * from   no_such_table;")
            lines.append("select 1;")
            let script = lines.joined(separator: "\n")
            let error = #expect(throws: PostgresError.self) { try connection.execute(script) }
            let position = try #require(error?.position)
            let location = PostgresError.lineAndColumn(ofPosition: position, in: script)
            #expect(location.line == 30)
            #expect(location.column == 17)
            #expect(error?.sqlState == "42P01")
        }
    }

    @Test("server notices reach the logger")
    func noticesAreLogged() async throws {
        try await withTestDatabase { db in
            let (logger, store) = RecordingLogHandler.logger()
            let connection = try db.connect(logger: logger)
            try connection.execute("do $$ begin raise notice 'tally says %', 42; raise warning 'careful'; end $$")
            let notices = store.all.filter { $0.message == "server notice" }
            #expect(notices.contains { $0.metadata["message"]?.description == "tally says 42" && $0.level == .info })
            #expect(notices.contains { $0.metadata["message"]?.description == "careful" && $0.level == .warning })
        }
    }

    @Test("server errors carry SQLSTATE, detail, hint and context, and read like psql")
    func errorFields() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute("create table u (id int primary key); insert into u values (1)")
            let duplicate = #expect(throws: PostgresError.self) { try connection.execute("insert into u values (1)") }
            #expect(duplicate?.sqlState == "23505")
            #expect(duplicate?.detail == "Key (id)=(1) already exists.")
            #expect(
                duplicate?.description.hasPrefix("ERROR:  duplicate key value violates unique constraint \"u_pkey\"\nDETAIL:  Key (id)=(1) already exists.")
                    == true)
            let raised = #expect(throws: PostgresError.self) {
                try connection.execute("do $$ begin raise exception 'boom' using hint = 'try again', detail = 'it broke'; end $$")
            }
            #expect(raised?.hint == "try again")
            #expect(raised?.context?.contains("PL/pgSQL function inline_code_block") == true)
            #expect(raised?.description.contains("HINT:  try again") == true)
        }
    }

    @Test("a transaction commits when its body returns and rolls back when it throws")
    func transactions() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            try connection.execute("create table t (id int)")
            try connection.transaction { _ = try connection.query("insert into t values ($1)", [1]) }
            struct Abort: Error {}
            #expect(throws: Abort.self) {
                try connection.transaction {
                    try connection.query("insert into t values ($1)", [2])
                    throw Abort()
                }
            }
            #expect(!connection.isInTransaction)
            #expect(try connection.query("select array_agg(id)::text from t").scalar(as: String.self) == "{1}")
        }
    }

    @Test("a killed backend is reported as a lost, transient connection")
    func connectionLost() async throws {
        try await withTestDatabase { db in
            let victim = try db.connect()
            let admin = try db.connect()
            try admin.query("select pg_terminate_backend($1)", [Int(victim.backendPID)])
            let error = #expect(throws: PostgresError.self) { try victim.query("select 1") }
            #expect(error?.isTransient == true)
            #expect(!victim.isHealthy)
        }
    }

    @Test("identifiers and literals are escaped by libpq")
    func escaping() async throws {
        try await withTestDatabase { db in
            let connection = try db.connect()
            let name = "odd \"name\"; drop"
            try connection.execute("create table \(try connection.escapeIdentifier(name)) (v text)")
            let value = "it's a \\ test"
            try connection.execute("insert into \(try connection.escapeIdentifier(name)) values (\(try connection.escapeLiteral(value)))")
            #expect(try connection.query("select v from \(try connection.escapeIdentifier(name))").scalar(as: String.self) == value)
        }
    }
}

/// A free port on 127.0.0.1 that nothing listens on.
/// A TCP listener on 127.0.0.1 that never accepts: the handshake completes in the kernel, then silence.
/// Not `listening`, the port is only held: connections to it are refused.
final class SilentListener {
    let fd: Int32
    let port: Int

    init(listening: Bool = true) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, !listening || listen(fd, 8) == 0 else { throw PostgresError(code: .connectionFailed, message: "listener failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { Glibc.close(fd) }
}
