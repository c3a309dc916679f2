import Foundation
import Logging

/// What `tally load` does for cron and systemd, around one `NightlyLoad`: transient failures
/// retried with backoff, the metrics file written after success and after failure, the reject-share
/// check, and the rebuild of a range of days instead of a load. The CLI only parses flags into one.
public struct ScheduledLoad {
    /// How often and how patiently transient failures are retried.
    public struct RetryPolicy: Sendable {
        public var attempts: Int
        public var baseDelay: Double

        /// The default: three attempts, 2 s then 4 s apart (each jittered by ±50%).
        public init(attempts: Int = 3, baseDelay: Double = 2.0) {
            self.attempts = attempts
            self.baseDelay = baseDelay
        }
    }

    public var load: NightlyLoad
    public var retries = RetryPolicy()
    /// Where to write Prometheus text metrics; nil for none.
    public var metricsFile: String?
    /// The share of rejected source rows above which a committed run exits 3.
    public var maxRejectShare = 0.05
    /// Recompute these days (first and last, inclusive) from private state instead of loading.
    public var rebuild: (first: Day, last: Day)?
    /// Waits between retries; tests replace it so that nothing waits on the clock.
    public var sleep: @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }

    /// A scheduled run of `load`.
    public init(load: NightlyLoad) {
        self.load = load
    }

    /// Runs, and returns the line to print on success (unless quiet). Throws an `ExitCoded` error.
    public func run() throws -> String {
        if let rebuild {
            guard rebuild.first <= rebuild.last else {
                throw LoadError(code: .usage, message: "--rebuild \(rebuild.first) \(rebuild.last): the first day is after the last one.")
            }
            let report = try load.rebuild(rebuild.first...rebuild.last)
            return "tally load: rebuilt \(report.daysRecomputed) days in \(String(format: "%.1f", report.duration)) s"
        }
        let started = Date()
        let report: NightlyLoad.Report
        do {
            report = try runWithRetries()
        } catch {
            writeFailureMetrics(duration: Date().timeIntervalSince(started))
            throw error
        }
        if let metricsFile, !load.isDryRun {
            do {
                try LoadMetrics.write(to: metricsFile, report: report, duration: Date().timeIntervalSince(started), lastSuccess: Date())
            } catch {
                throw LoadError(
                    code: .committedWithProblem,
                    message: "run \(report.runID.map(String.init) ?? "?") committed, but \(ExitStatus.of(error).message)")
            }
        }
        try report.checkRejectShare(maximum: maxRejectShare)
        return report.summary
    }

    /// Runs the load, retrying transient failures (connection failures, serialization failures,
    /// deadlocks, server shutdown or start-up) with jittered exponential backoff. Each retry is
    /// logged; any other failure ends the run at once.
    func runWithRetries() throws -> NightlyLoad.Report {
        var attempt = 1
        while true {
            do {
                return try load.run()
            } catch {
                let failure = LoadError(wrapping: error, phase: "connecting")
                guard failure.code == .transient, attempt < retries.attempts, load.control?.interruptingSignal == nil else {
                    throw failure
                }
                let delay = retries.baseDelay * pow(2, Double(attempt - 1)) * Double.random(in: 0.5...1.5)
                load.logger.warning(
                    "transient failure, retrying",
                    metadata: [
                        "attempt": "\(attempt)", "of": "\(retries.attempts)", "delay_seconds": "\(String(format: "%.1f", delay))",
                        "error": "\(failure.message)",
                    ])
                sleep(delay)
                attempt += 1
            }
        }
    }

    /// After a failure the metrics say so, and keep the last success time: from the warehouse's
    /// ledger, or from the previous metrics file when the warehouse cannot be asked, so that an
    /// alert on its age keeps firing.
    private func writeFailureMetrics(duration: TimeInterval) {
        guard let metricsFile, !load.isDryRun else { return }
        let fromLedger = try? LoadStatus.read(
            configuration: TallyConfiguration(environment: [:], operationalURL: nil, warehouseURL: load.warehouseURL),
            limit: 1, logger: load.logger
        ).lastSuccessAt
        let lastSuccess = fromLedger ?? LoadMetrics.lastSuccess(inFile: metricsFile)
        try? LoadMetrics.write(to: metricsFile, report: nil, duration: duration, lastSuccess: lastSuccess)
    }
}
