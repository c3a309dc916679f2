import Foundation

/// Runs jobs one after another, in the order submitted, on a thread of its own while the caller
/// goes on. After a job fails the rest are skipped and `submit` throws the failure, so the caller
/// can stop early; `finish()` waits for the jobs and rethrows the first failure. Jobs must not
/// share mutable state with the caller. With a `limit`, `submit` waits while that many jobs are
/// queued, so what the jobs hold stays bounded when the caller is faster than they are.
final class SerialWork: @unchecked Sendable {
    private let condition = NSCondition()
    private let limit: Int
    private var jobs: [() throws -> Void] = []
    private var isClosed = false
    private var failure: Error?
    private let done = DispatchSemaphore(value: 0)

    init(limit: Int = .max) {
        self.limit = max(limit, 1)
        Thread { [self] in run() }.start()
    }

    func submit(_ job: @escaping () throws -> Void) throws {
        condition.lock()
        while jobs.count >= limit && failure == nil { condition.wait() }
        if let failure {
            condition.unlock()
            throw failure
        }
        jobs.append(job)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits for every job submitted and rethrows the first failure. Call it exactly once.
    func finish() throws {
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
        done.wait()
        if let failure { throw failure }
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isClosed { condition.wait() }
            guard !jobs.isEmpty else {
                condition.unlock()
                break
            }
            let job = jobs.removeFirst()
            let skip = failure != nil
            condition.broadcast()
            condition.unlock()
            guard !skip else { continue }
            do { try job() } catch {
                condition.lock()
                failure = error
                condition.broadcast()
                condition.unlock()
            }
        }
        done.signal()
    }
}
