import Foundation

/// Where the PostgreSQL server programs (initdb, pg_ctl, postgres) live.
public struct PostgresBinaries: Sendable {
    /// The folder holding initdb and pg_ctl.
    public let directory: URL

    /// The program called `name` in `directory`.
    public func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Whether the server has the loadable module `name` (such as pgaudit, from Debian's
    /// postgresql-15-pgaudit) in its library folder, next to `directory`.
    public func hasLibrary(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: directory.deletingLastPathComponent().appendingPathComponent("lib/\(name).so").path)
    }

    /// Finds the server programs: on PATH, then via `pg_config --bindir`, then in the newest
    /// `/usr/lib/postgresql/*/bin` (Debian and Ubuntu keep them off PATH).
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        versionsRoot: String = "/usr/lib/postgresql"
    ) async throws -> PostgresBinaries {
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        func usable(_ dir: URL) -> Bool {
            ["initdb", "pg_ctl"].allSatisfy { FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent($0).path) }
        }
        // A PATH entry may be a symlink into the real bin folder, which also holds pg_dump and psql.
        if let initdb = ExternalCommand.find("initdb", in: path)?.resolvingSymlinksInPath(),
            usable(initdb.deletingLastPathComponent())
        {
            return PostgresBinaries(directory: initdb.deletingLastPathComponent())
        }
        if let pgConfig = ExternalCommand.find("pg_config", in: path),
            let outcome = try? await ExternalCommand(executable: pgConfig, arguments: ["--bindir"]).run(), outcome.succeeded
        {
            let dir = URL(fileURLWithPath: outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
            if usable(dir) { return PostgresBinaries(directory: dir) }
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: versionsRoot)) ?? []
        let newestFirst = versions.compactMap { v in Double(v).map { (v, $0) } }.sorted { $0.1 > $1.1 }
        for (version, _) in newestFirst {
            let dir = URL(fileURLWithPath: versionsRoot).appendingPathComponent(version).appendingPathComponent("bin")
            if usable(dir) { return PostgresBinaries(directory: dir) }
        }
        throw LocalClusterError(
            code: .missingPostgres,
            message:
                "PostgreSQL server programs (initdb, pg_ctl) were not found on PATH, via pg_config --bindir, or in \(versionsRoot)/*/bin. Install them, for example: apt-get install postgresql"
        )
    }
}
