import Foundation

/// The migration files of one database folder, checked for duplicates.
public struct MigrationSet: Sendable {
    /// The folder, as given.
    public let directory: String
    /// Versioned files in version order.
    public let versioned: [MigrationFile]
    /// Repeatable files in name order.
    public let repeatables: [MigrationFile]

    /// Reads every `.sql` file in `directory`.
    public init(directory: String) throws(MigrationError) {
        self.directory = directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MigrationError(code: .usage, message: "the migration folder \(directory) does not exist. Run from the repository root or pass --dir.")
        }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".sql") }.sorted()
        var files: [MigrationFile] = []
        for name in names {
            files.append(try MigrationFile(path: (directory as NSString).appendingPathComponent(name)))
        }
        versioned = files.filter { $0.kind == .versioned }.sorted { MigrationFile.versionLess($0.versionParts, $1.versionParts) }
        repeatables = files.filter { $0.kind == .repeatable }.sorted { $0.name < $1.name }
        for (a, b) in zip(versioned, versioned.dropFirst()) where a.versionParts == b.versionParts {
            throw MigrationError(
                code: .validation,
                message: "\(a.path) and \(b.path) share version \(a.version ?? ""). Each version may appear once: renumber one of them.")
        }
    }
}
