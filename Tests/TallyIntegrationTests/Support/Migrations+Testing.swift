import Foundation
import Logging
import Tally

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Applies the repository's `migrations/<database>` to a test database as the superuser.
func migrate(_ db: TestDatabase, _ database: TallyConfiguration.Database) throws {
    let migrator = Migrator(
        database: database.rawValue,
        directory: repositoryRoot.appendingPathComponent("migrations/\(database.rawValue)").path,
        conninfo: db.conninfo, logger: quietLogger())
    try migrator.up()
}

/// A temporary migrations folder a test writes files into.
struct MigrationFolder {
    /// What `tally migrate --dir` takes: a folder holding `warehouse/`.
    let root: URL
    /// The warehouse migrations folder, where `write` puts files.
    var url: URL { root.appendingPathComponent("warehouse") }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tally-migrations-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("warehouse"), withIntermediateDirectories: true)
    }

    /// Writes (or overwrites) a file.
    func write(_ name: String, _ sql: String) throws {
        try Data(sql.utf8).write(to: url.appendingPathComponent(name))
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    func migrator(for db: TestDatabase, lockTimeout: Double = 60) -> Migrator {
        var migrator = Migrator(database: "warehouse", directory: url.path, conninfo: db.conninfo, logger: quietLogger())
        migrator.lockTimeout = lockTimeout
        return migrator
    }
}

/// Runs `body` with a fresh database and a fresh migrations folder.
func withMigrations<T: Sendable>(_ body: (TestDatabase, MigrationFolder) async throws -> T) async throws -> T {
    try await withTestDatabase { db in
        let folder = try MigrationFolder()
        defer { folder.remove() }
        return try await body(db, folder)
    }
}
