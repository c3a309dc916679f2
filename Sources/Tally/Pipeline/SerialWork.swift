import Foundation

/// Runs jobs one after another, in the order submitted, on a thread of its own while the caller
/// goes on. After a job fails the rest are skipped and `submit` throws the failure, so the caller
/// can stop early; `finish()` waits for the jobs and rethrows the first failure. Jobs must not
/// share mutable state with the caller.
final class SerialWork: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() throws -> Void] = []
    private var isClosed = false
    private var failure: Error?
    private let done = DispatchSemaphore(value: 0)

    init() {
        Thread { [self] in run() }.start()
    }

    func submit(_ job: @escaping () throws -> Void) throws {
        condition.lock()
        if let failure {
            condition.unlock()
            throw failure
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Waits for every job submitted and rethrows the first failure. Call it exactly once.
    func finish() throws {
        condition.lock()
        isClosed = true
        condition.signal()
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
            condition.unlock()
            guard !skip else { continue }
            do { try job() } catch {
                condition.lock()
                failure = error
                condition.unlock()
            }
        }
        done.signal()
    }
}
