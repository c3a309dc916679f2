import Foundation
import Logging

extension NightlyLoad {
    /// How often and how patiently transient failures are retried.
    public struct RetryPolicy: Sendable {
        public var attempts = 3
        public var baseDelay = 2.0

        /// The default: three attempts, 2 s then 4 s apart (each jittered by ±50%).
        public init(attempts: Int = 3, baseDelay: Double = 2.0) {
            self.attempts = attempts
            self.baseDelay = baseDelay
        }
    }

    /// Runs the load, retrying transient failures (connection failures, serialization failures,
    /// deadlocks, server shutdown or start-up) with jittered exponential backoff. Each retry is
    /// logged; any other failure ends the run at once.
    public func runWithRetries(_ policy: RetryPolicy = RetryPolicy()) throws -> Report {
        var attempt = 1
        while true {
            do {
                return try run()
            } catch {
                let failure = LoadError(wrapping: error, phase: "connecting")
                guard failure.code == .transient, attempt < policy.attempts, control?.interruptingSignal == nil else {
                    throw failure
                }
                let delay = policy.baseDelay * pow(2, Double(attempt - 1)) * Double.random(in: 0.5...1.5)
                logger.warning("transient failure, retrying", metadata: [
                    "attempt": "\(attempt)", "of": "\(policy.attempts)", "delay_seconds": "\(String(format: "%.1f", delay))",
                    "error": "\(failure.message)",
                ])
                Thread.sleep(forTimeInterval: delay)
                attempt += 1
            }
        }
    }
}

extension NightlyLoad.Report {
    /// Share of source rows rejected in this run.
    public var rejectShare: Double {
        rowsExtracted == 0 ? 0 : Double(rowsRejected) / Double(rowsExtracted)
    }

    /// Fails with exit 3 when more than `maximum` of the source rows were rejected. The run is
    /// committed (bad input never stops the night); this only makes the night's status visible.
    public func checkRejectShare(maximum: Double) throws {
        guard rejectShare > maximum else { return }
        throw LoadError(
            code: .dataQuality,
            message: "run \(runID.map(String.init) ?? "?") committed, but \(String(format: "%.1f", rejectShare * 100))% of source rows were rejected (threshold \(String(format: "%.1f", maximum * 100))%). See: select reason, count(*) from etl.rejects where run_id = \(runID.map(String.init) ?? "?") group by reason")
    }
}
