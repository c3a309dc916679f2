import Foundation
import Logging

/// What `tally status` reports: recent runs, rejects by reason, and how far behind the warehouse is.
public struct LoadStatus: Sendable, Codable {
    public struct Run: Sendable, Codable {
        public var runID: Int
        public var status: String
        public var startedAt: Date
        public var finishedAt: Date?
        public var rowsLoaded: Int
        public var rowsRejected: Int
        public var daysRecomputed: Int
        public var error: String?
    }

    public var runs: [Run]
    public var lastSuccessAt: Date?
    public var lastRunFailed: Bool
    public var rejectsByReason: [String: Int]
    /// Age of the oldest source row not yet loaded; nil when the operational database was not
    /// configured or reachable, 0 when nothing waits.
    public var lagSeconds: Double?

    /// Reads the ledger (and, when configured, the operational side for the lag).
    public static func read(configuration: TallyConfiguration, limit: Int = 10, logger: Logger) throws -> LoadStatus {
        let warehouse = try PostgresConnection.connect(try configuration.url(for: .warehouse), applicationName: "tally status", logger: logger)
        defer { warehouse.close() }
        let runs = try warehouse.query(
            """
            select run_id::int, status, started_at, finished_at, rows_loaded::int, rows_rejected::int, days_recomputed, error_message
            from etl.runs order by run_id desc limit $1
            """, [limit]
        ).rows.map {
            Run(
                runID: try $0.decode(0), status: try $0.decode(1), startedAt: try $0.decode(2), finishedAt: try $0.decode(3),
                rowsLoaded: try $0.decode(4), rowsRejected: try $0.decode(5), daysRecomputed: try $0.decode(6), error: try $0.decode(7))
        }
        let lastSuccess = try warehouse.query("select max(finished_at) from etl.runs where status = 'succeeded'").scalar(as: Date?.self)
        var reasons: [String: Int] = [:]
        for row in try warehouse.query("select reason, count(*)::int from etl.rejects group by reason").rows {
            reasons[try row.decode(0)] = try row.decode(1)
        }
        var lag: Double?
        if configuration.operationalURL != nil {
            let watermark = try Watermark.snapshot(on: warehouse)
            lag = try? operationalLag(configuration: configuration, watermark: watermark, logger: logger)
        }
        return LoadStatus(
            runs: runs, lastSuccessAt: lastSuccess, lastRunFailed: runs.first?.status == "failed",
            rejectsByReason: reasons, lagSeconds: lag)
    }

    private static func operationalLag(configuration: TallyConfiguration, watermark: String?, logger: Logger) throws -> Double {
        let source = try OperationalSource.open(conninfo: try configuration.url(for: .operational), logger: logger)
        defer { source.connection.close() }
        return try source.oldestPendingAge(since: watermark)
    }

    /// For monitoring: a problem when the last run failed or the last success is older than `maxAge`.
    public func problem(maxAge: TimeInterval, now: Date = Date()) -> String? {
        if lastRunFailed { return "the last tally load failed: \(runs.first?.error ?? "see etl.runs")" }
        guard let lastSuccessAt else { return "tally load has never succeeded on this warehouse" }
        let age = now.timeIntervalSince(lastSuccessAt)
        if age > maxAge {
            return "the last successful tally load finished \(String(format: "%.1f", age / 3600)) h ago (threshold \(String(format: "%.0f", maxAge / 3600)) h)"
        }
        return nil
    }

    /// Aligned text for a terminal.
    public func render() -> String {
        var lines: [String] = []
        let last = lastSuccessAt.map { PostgresTimestamp.format($0).prefix(19) + " UTC" } ?? "never"
        lines.append("last success: \(last); source lag: \(lagSeconds.map { String(format: "%.0f s", $0) } ?? "unknown (no operational connection)")")
        var rows = [["RUN", "STATUS", "STARTED", "LOADED", "REJECTED", "DAYS", "ERROR"]]
        for run in runs {
            rows.append([
                String(run.runID), run.status, String(PostgresTimestamp.format(run.startedAt).prefix(19)), String(run.rowsLoaded),
                String(run.rowsRejected), String(run.daysRecomputed), run.error ?? "",
            ])
        }
        lines.append(TerminalText.align(rows))
        if !rejectsByReason.isEmpty {
            lines.append("rejects by reason: " + rejectsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
