import Tally
import Testing

@Suite("PostgresError")
struct PostgresErrorTests {
    @Test(
        "positions map to line and column, counting characters not bytes",
        arguments: [
            ("select x", 8, 1, 8),
            ("a\nb\nselect x", 12, 3, 8),
            ("-- ünïcode ✓\nselect x", 21, 2, 8),
            ("\n\n", 3, 3, 1),
        ])
    func lineAndColumn(text: String, position: Int, line: Int, column: Int) {
        let location = PostgresError.lineAndColumn(ofPosition: position, in: text)
        #expect(location.line == line)
        #expect(location.column == column)
    }

    @Test("description reads like psql")
    func description() {
        var error = PostgresError(code: .server, message: "relation \"x\" does not exist", sqlState: "42P01", hint: "Create it.")
        error.context = "SQL function f"
        #expect(error.description == "ERROR:  relation \"x\" does not exist\nHINT:  Create it.\nCONTEXT:  SQL function f (SQLSTATE 42P01)")
    }

    @Test(
        "transient classes",
        arguments: [("08006", true), ("40001", true), ("40P01", true), ("57P01", true), ("57P03", true), ("42P01", false), ("23505", false)])
    func transient(state: String, isTransient: Bool) {
        #expect(PostgresError(code: .server, message: "m", sqlState: state).isTransient == isTransient)
    }

    @Test(
        "a refused connection is retried only when the server may come back",
        arguments: [
            ("connection to server at \"127.0.0.1\", port 5432 failed: Connection refused", true),
            ("connection to server at \"db\" failed: FATAL:  the database system is starting up", true),
            ("connection to server at \"db\" failed: FATAL:  pg_hba.conf rejects connection for host \"10.0.0.5\", user \"x\"", false),
            ("connection to server at \"db\" failed: server certificate for \"db2\" does not match host name \"db\"", false),
            ("connection to server at \"db\" failed: SSL error: certificate verify failed", false),
            ("connection to server at \"db\" failed: FATAL:  password authentication failed for user \"x\"", false),
        ])
    func refusedConnection(message: String, isTransient: Bool) {
        #expect(PostgresError(code: .connectionFailed, message: message).isTransient == isTransient)
    }
}
