import Foundation

/// A folder of its own under the system temporary directory. Each test makes its own (so tests can
/// run in parallel) and removes it with `defer { folder.remove() }`: removal is explicit because ARC
/// may end an object's life at its last use, before the test has read the files.
struct TemporaryFolder {
    let path: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tally-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        path = url.path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` in the folder.
    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Writes `text` as UTF-8 to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String, mode: Int? = nil) throws -> String {
        try write(name, bytes: Array(text.utf8), mode: mode)
    }

    /// Writes `bytes` to `name`, then sets its mode (chmod, so the umask does not apply), and returns its path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8], mode: Int? = nil) throws -> String {
        let path = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if let mode {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        }
        return path
    }
}
