import Foundation

/// Where `tally migrate` finds its migrations when `--dir` is not given.
public enum MigrationRoot {
    /// `./migrations` when the working folder holds one (a checkout), else the folder installed next
    /// to the binary: `<bin>/../share/tally/migrations`, as `/usr/local/bin/tally` and
    /// `/usr/local/share/tally/migrations`.
    public static func resolve(
        currentDirectory: String = FileManager.default.currentDirectoryPath, executable: URL? = Bundle.main.executableURL
    ) throws -> String {
        let local = URL(fileURLWithPath: currentDirectory).appendingPathComponent("migrations")
        let installed = executable.map {
            $0.resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/tally/migrations")
        }
        for candidate in [local, installed].compactMap({ $0 }) where isMigrationRoot(candidate) {
            return candidate.path
        }
        throw MigrationError(
            code: .usage,
            message:
                "no migrations folder: neither \(local.path) nor \(installed?.path ?? "<bin>/../share/tally/migrations") holds operational/ and warehouse/. Give it with --dir, or install it next to the binary (docs/operations.md, \"Install\")."
        )
    }

    private static func isMigrationRoot(_ url: URL) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.appendingPathComponent("warehouse").path, isDirectory: &isFolder) && isFolder.boolValue
    }
}
