import Foundation

/// Runs blocking work (libpq calls) on a thread of its own, so it truly runs alongside other work
/// instead of waiting for a slot in the small cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
        }
        thread.start()
    }
}
