import Foundation
import Tally
import Testing

@Suite("where migrate finds its migrations")
struct MigrationRootTests {
    @Test("./migrations in a checkout; else <bin>/../share/tally/migrations, through a symlinked binary; else an error naming both")
    func resolve() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let fileManager = FileManager.default
        let work = folder.file("work")
        let bin = folder.file("prefix/bin")
        let installed = folder.file("prefix/share/tally/migrations")
        for path in [work, bin, "\(installed)/warehouse", folder.file("elsewhere")] {
            try fileManager.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try folder.write("prefix/bin/tally", "")
        // /usr/local/bin/tally may be a symlink to the real install; the share folder is the real one's.
        try fileManager.createSymbolicLink(atPath: folder.file("elsewhere/tally"), withDestinationPath: "\(bin)/tally")
        let binary = URL(fileURLWithPath: folder.file("elsewhere/tally"))

        #expect(try MigrationRoot.resolve(currentDirectory: work, executable: binary) == URL(fileURLWithPath: installed).resolvingSymlinksInPath().path)
        try fileManager.createDirectory(atPath: "\(work)/migrations/warehouse", withIntermediateDirectories: true)
        #expect(try MigrationRoot.resolve(currentDirectory: work, executable: binary) == "\(work)/migrations")

        let missing = #expect(throws: MigrationError.self) {
            try MigrationRoot.resolve(currentDirectory: folder.file("elsewhere"), executable: URL(fileURLWithPath: folder.file("elsewhere/none")))
        }
        #expect(missing?.exitCode == 2)
        #expect(missing?.message.contains("--dir") == true)
        #expect(missing?.message.contains("share/tally/migrations") == true)
    }
}
