import Foundation
import Logging

/// A log handler that keeps every message so a test can assert on what was logged.
struct RecordingLogHandler: LogHandler {
    /// What was logged, shared by every copy of the handler.
    final class Store: @unchecked Sendable {
        // Guarded by `lock`; the only mutable state.
        private let lock = NSLock()
        private var entries: [(Logger.Level, String, Logger.Metadata)] = []

        func append(_ entry: (Logger.Level, String, Logger.Metadata)) {
            lock.withLock { entries.append(entry) }
        }

        var all: [(level: Logger.Level, message: String, metadata: Logger.Metadata)] {
            lock.withLock { entries.map { (level: $0.0, message: $0.1, metadata: $0.2) } }
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append((event.level, event.message.description, metadata.merging(event.metadata ?? [:]) { $1 }))
    }

    /// A logger and the store it records into.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "recording") { _ in RecordingLogHandler(store: store) }, store)
    }
}
