import Foundation
import Logging
import Tally

/// A database of a test's own on the shared server, dropped when the test ends.
struct TestDatabase: Sendable {
    let name: String
    let server: TestServer.Handle
    /// Superuser conninfo for this database.
    let conninfo: String

    /// Connects as the superuser.
    func connect(logger: Logger = quietLogger()) throws -> PostgresConnection {
        try PostgresConnection.connect(conninfo, logger: logger)
    }
}

/// Runs `body` with a fresh database and drops it afterwards, whatever happens.
func withTestDatabase<T: Sendable>(
    _ body: (TestDatabase) async throws -> T
) async throws -> T {
    try await offCooperativePool { try await withTestDatabaseOnCurrentExecutor(body) }
}

private func withTestDatabaseOnCurrentExecutor<T>(
    _ body: (TestDatabase) async throws -> T
) async throws -> T {
    let server = try await TestServer.shared.handle()
    let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
    let admin = try PostgresConnection.connect(server.adminConninfo, logger: quietLogger())
    defer { admin.close() }
    try admin.execute("create database \(name)")
    let database = TestDatabase(name: name, server: server, conninfo: try server.conninfo(database: name))
    do {
        let value = try await body(database)
        try admin.execute("drop database \(name) with (force)")
        return value
    } catch {
        _ = try? admin.execute("drop database \(name) with (force)")
        throw error
    }
}

/// Creates a login role with a password for the duration of a test, and drops it afterwards.
func withLoginRole<T>(
    in database: TestDatabase,
    memberOf groups: [String] = [],
    _ body: (_ role: String, _ password: String) async throws -> T
) async throws -> T {
    let role = "r_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    let password = "pw-" + UUID().uuidString
    let admin = try database.connect()
    defer { admin.close() }
    try admin.execute("create role \(role) login password \(try admin.escapeLiteral(password))")
    for group in groups { try admin.execute("grant \(group) to \(role)") }
    do {
        let value = try await body(role, password)
        try admin.execute("drop owned by \(role) cascade; drop role \(role)")
        return value
    } catch {
        _ = try? admin.execute("drop owned by \(role) cascade; drop role \(role)")
        throw error
    }
}

/// A logger that drops everything, so test output stays readable; tests that assert on logs use
/// RecordingLogHandler instead.
func quietLogger() -> Logger {
    Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
}
