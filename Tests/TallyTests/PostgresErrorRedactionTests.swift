import Foundation
import Testing

@testable import Tally

/// Passwords never appear in messages: libpq's own text is scrubbed of every password it could echo.
@Suite("Password scrubbing")
struct PostgresErrorRedactionTests {
    @Test("every occurrence of every password is replaced")
    func redact() {
        let message = "password authentication failed for user \"etl\" (password=hunter2x, again hunter2x; other s3cret)"
        let redacted = PostgresError.redact(message, ["hunter2x", "s3cret"])
        #expect(redacted == "password authentication failed for user \"etl\" (password=********, again ********; other ********)")
    }

    @Test("an empty password scrubs nothing, and no passwords leave the text as it is")
    func emptyPasswords() {
        #expect(PostgresError.redact("could not connect", [""]) == "could not connect")
        #expect(PostgresError.redact("could not connect", []) == "could not connect")
    }

    @Test("a failed connection names host and port, gives a hint, and never shows the password")
    func failedConnection() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // A Unix socket folder with no server in it: libpq fails at once, with no network involved.
        let conninfo = "host=\(folder.path) port=6599 user=etl dbname=warehouse password=Pa55-w0rd-that-must-not-leak"
        let error = #expect(throws: PostgresError.self) {
            try PostgresConnection.connect(conninfo, environment: [:], logger: .init(label: "test"))
        }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.hasPrefix("could not connect to \(folder.path):6599: ") == true)
        #expect(error?.hint?.contains(".pgpass or PGPASSWORD") == true)
        #expect(error?.description.contains("Pa55-w0rd") == false)
        #expect(error?.isTransient == true, "a server that is not running yet may come up")
    }
}
