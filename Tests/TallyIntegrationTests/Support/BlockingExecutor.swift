import Dispatch

/// Runs a test's async code on a serial dispatch queue of its own instead of the cooperative pool.
/// Integration tests make blocking libpq calls; on the pool (one thread per core) a few such tests
/// would starve every other task, including the timers that send signals and the monitors that
/// reap child processes. Dispatch queues get fresh threads when theirs block.
final class BlockingExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "tally-test-blocking")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

/// Runs `body` with a preference for a `BlockingExecutor` of its own.
func offCooperativePool<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(BlockingExecutor()) { try await body() }
}
