import Foundation
import Prometheus

/// The metrics file for node_exporter's textfile collector, in the Prometheus text exposition
/// format (written by swift-prometheus), replaced atomically by a rename.
public enum LoadMetrics {
    /// Writes what one run did. `failed` runs keep the last success time, so an alert can fire on it.
    public static func write(
        to path: String, report: NightlyLoad.Report?, duration: TimeInterval, lastSuccess: Date?
    ) throws {
        let registry = PrometheusCollectorRegistry()
        registry.makeGauge(name: "tally_load_last_run_success", help: "1 if the last tally load run succeeded, else 0.")
            .set(to: report == nil ? 0.0 : 1.0)
        if let lastSuccess {
            registry.makeGauge(name: "tally_load_last_success_timestamp_seconds", help: "Unix time of the last successful tally load.")
                .set(to: lastSuccess.timeIntervalSince1970)
        }
        registry.makeGauge(name: "tally_load_duration_seconds", help: "Wall time of the last tally load run.").set(to: duration)
        if let report {
            registry.makeGauge(name: "tally_load_rows_extracted", help: "Source rows read by the last run.").set(to: Double(report.rowsExtracted))
            registry.makeGauge(name: "tally_load_rows_loaded", help: "Source rows turned into facts by the last run.").set(to: Double(report.rowsLoaded))
            registry.makeGauge(name: "tally_load_rows_rejected", help: "Source rows sent to etl.rejects by the last run.").set(to: Double(report.rowsRejected))
            registry.makeGauge(name: "tally_load_days_recomputed", help: "Days whose facts the last run recomputed.").set(to: Double(report.daysRecomputed))
            let lag = report.oldestUnloadedAt.flatMap { oldest in report.sourceTime.map { $0.timeIntervalSince(oldest) } } ?? 0
            registry.makeGauge(name: "tally_load_source_lag_seconds", help: "Age of the oldest source row this run loaded, at the source snapshot.")
                .set(to: max(0, lag))
        }
        let text = registry.emitToString()
        let target = URL(fileURLWithPath: path)
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw LoadError(code: .failed, message: "could not rename \(temporary.path) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch let error as LoadError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            throw LoadError(
                code: .failed, message: "could not write the metrics file \(path): \(error.localizedDescription). Check that its folder exists and is writable."
            )
        }
    }

    /// The last success time recorded in an existing metrics file, if any.
    public static func lastSuccess(inFile path: String) -> Date? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("tally_load_last_success_timestamp_seconds ") {
            if let seconds = Double(line.split(separator: " ").last ?? "") { return Date(timeIntervalSince1970: seconds) }
        }
        return nil
    }
}
