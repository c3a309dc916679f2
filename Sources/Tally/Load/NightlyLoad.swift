import Foundation
import Logging

/// One nightly load: extract what is new in the source snapshot, pseudonymise, and commit facts,
/// dimensions, private state, rejects, the ledger row and the watermark in one warehouse transaction.
public struct NightlyLoad {
    /// What a run did, for the summary line, the ledger and metrics.
    public struct Report: Sendable {
        public var runID: Int?
        public var rowsExtracted = 0
        public var rowsLoaded = 0
        public var rowsRejected = 0
        public var rejectsByReason: [String: Int] = [:]
        public var daysRecomputed = 0
        public var erasuresApplied = 0
        public var privateRowsPurged = 0
        public var oldestUnloadedAt: Date?
        public var sourceTime: Date?
        public var duration: TimeInterval = 0
        public var isDryRun = false

        /// One line for cron: what happened, no PII.
        public var summary: String {
            let what = isDryRun ? "dry run (nothing committed)" : "run \(runID.map(String.init) ?? "?")"
            return "tally load: \(what): \(rowsExtracted) source rows, \(rowsLoaded) loaded, \(rowsRejected) rejected, \(daysRecomputed) days recomputed, \(erasuresApplied) erasures applied in \(String(format: "%.1f", duration)) s"
        }
    }

    public var operationalURL: String
    public var warehouseURL: String
    public var keyFile: String?
    public var isDryRun = false
    /// Set by a signal handler to stop the run; nil when nobody can interrupt it.
    public var control: RunControl?
    /// Receives one line per phase, for a progress display on a terminal.
    public var progress: (@Sendable (String) -> Void)?
    /// The id on every log line of this invocation, also stored in its ledger row.
    public let invocation: String
    public var logger: Logger

    /// A load between the two configured databases.
    public init(configuration: TallyConfiguration, logger: Logger) throws {
        operationalURL = try configuration.url(for: .operational)
        warehouseURL = try configuration.url(for: .warehouse)
        keyFile = configuration.pseudonymKeyFile
        invocation = String(UUID().uuidString.prefix(8)).lowercased()
        self.logger = logger
        self.logger[metadataKey: "run"] = "\(invocation)"
    }

    private func phase(_ name: String) throws {
        try control?.check()
        logger.debug("phase", metadata: ["phase": "\(name)"])
        progress?(name)
    }

    /// Runs the load once.
    public func run() throws -> Report {
        let started = Date()
        let pseudonymiser = try Pseudonymiser(keyFile: keyFile)
        let warehouse = try PostgresConnection.connect(warehouseURL, applicationName: "tally load", logger: logger)
        defer { warehouse.close() }
        control?.watch(warehouse)
        try WarehouseLock.begin(on: warehouse)
        var report = Report(isDryRun: isDryRun)
        do {
            let settings = try LoadSettings.read(from: warehouse)
            let source = try OperationalSource.open(conninfo: operationalURL, logger: logger)
            defer { source.finish() }
            control?.watch(source.connection)
            try phase("extracting")
            let previous = try warehouse.query("select snapshot from etl.watermark for update").rows.first.map { try $0.decode(0, as: String.self) }
            let (snapshot, sourceTime) = try source.beginSnapshot()
            if let previous {
                // Transaction ids only move forward; if they went back (a restore, a failover to a
                // lagging replica), new rows would look already loaded and be skipped for good.
                let backwards = try source.connection.query(
                    "select pg_snapshot_xmax($1::pg_snapshot) > pg_snapshot_xmax($2::pg_snapshot)", [previous, snapshot]
                ).scalar(as: Bool.self)
                if backwards {
                    throw LoadError(code: .schema, message: "the operational database's transaction ids are behind the last loaded snapshot (\(previous) > \(snapshot)): it was restored or failed over. Loading now would skip rows; reset the watermark (delete from etl.watermark) and rebuild deliberately.")
                }
            }
            report.sourceTime = sourceTime
            let runID = try warehouse.query(
                "insert into etl.runs (invocation, started_at, status, snapshot_from, snapshot_to, source_time) values ($1, $2, 'succeeded', $3, $4, $5) returning run_id",
                [invocation, started, previous, snapshot, sourceTime]
            ).scalar(as: Int.self)
            report.runID = runID

            try Staging.create(on: warehouse)
            // The first day whose private state is kept: older rows are rejected, older days never recomputed.
            let cutoff = Int32(try warehouse.query(
                "select (($1::timestamptz at time zone $2)::date - $3::integer - date '1970-01-01')::int",
                [sourceTime, settings.businessTimeZone, settings.retentionDays]
            ).scalar(as: Int.self))
            let extracted = try source.extract(previous: previous, settings: settings, sourceTime: sourceTime, cutoff: cutoff, pseudonymiser: pseudonymiser,
                                           progress: progress.map { callback in { callback($0) } })
            report.rowsExtracted = extracted.rowsRead
            report.rowsLoaded = extracted.rowsAggregated
            report.rowsRejected = extracted.rejects.count
            report.oldestUnloadedAt = extracted.oldestIngestedAt
            for reject in extracted.rejects { report.rejectsByReason[reject.reason, default: 0] += 1 }
            try Staging.writeRejects(extracted.rejects, runID: runID, to: warehouse)
            var batch: ActivityBatch? = consume extracted
            try Staging.loadTitles(from: source, to: warehouse)
            let erasureWindow = sourceTime.addingTimeInterval(-Double(settings.retentionDays + 7) * 86_400)
            let erased = try source.erasedProfiles(since: erasureWindow)
            try Staging.loadErasures(erased, pseudonymiser: pseudonymiser, to: warehouse)
            report.erasuresApplied = erased.count

            logger.info("extracted", metadata: ["run_id": "\(runID)", "rows": "\(report.rowsExtracted)", "seconds": "\(Date().timeIntervalSince(started))"])
            try phase("recomputing facts from \(report.rowsLoaded) rows")
            // Days whose facts a changed or newly arrived title re-points.
            let changedDays = try warehouse.query("""
                select (d - date '1970-01-01')::int
                from unnest(etl.days_of_titles(array(select etl.merge_titles()), date '1970-01-01' + $1::int)) d
                """, [Int(cutoff)]).rows.map { Int32(try $0.decode(0, as: Int.self)) }
            report.daysRecomputed = try FactRecompute(warehouse: warehouse, settings: settings, logger: logger).run(batch: &batch, days: changedDays, cutoff: cutoff)
            logger.info("recomputed", metadata: ["run_id": "\(runID)", "days": "\(report.daysRecomputed)", "seconds": "\(Date().timeIntervalSince(started))"])
            try phase("committing")
            report.privateRowsPurged = try warehouse.query(
                "select etl.purge(date '1970-01-01' + $1::int)", [Int(cutoff)]
            ).scalar(as: Int.self)

            report.duration = Date().timeIntervalSince(started)
            try warehouse.query("""
                update etl.runs set finished_at = clock_timestamp(), rows_extracted = $2, rows_loaded = $3, rows_rejected = $4,
                    days_recomputed = $5, erasures_applied = $6, private_rows_purged = $7, oldest_unloaded_at = $8
                where run_id = $1
                """, [runID, report.rowsExtracted, report.rowsLoaded, report.rowsRejected, report.daysRecomputed,
                      report.erasuresApplied, report.privateRowsPurged, report.oldestUnloadedAt])
            try warehouse.query("""
                insert into etl.watermark (snapshot, run_id, updated_at) values ($1, $2, clock_timestamp())
                on conflict (singleton) do update set snapshot = excluded.snapshot, run_id = excluded.run_id, updated_at = excluded.updated_at
                """, [snapshot, runID])
            try warehouse.execute(isDryRun ? "rollback" : "commit")
            if isDryRun { report.runID = nil }
            logger.info("load committed", metadata: ["run_id": "\(runID)", "rows": "\(report.rowsLoaded)", "dry_run": "\(isDryRun)"])
            return report
        } catch {
            if warehouse.isInTransaction { _ = try? warehouse.execute("rollback") }
            let failure = control?.interruptingSignal.map { LoadError.interrupted(by: $0) } ?? LoadError(wrapping: error, phase: "loading")
            recordFailure(failure, started: started, on: warehouse)
            throw failure
        }
    }

    /// A failed run leaves one ledger row, written after the rollback.
    private func recordFailure(_ error: Error, started: Date, on warehouse: PostgresConnection) {
        guard !isDryRun, warehouse.isHealthy else { return }
        let message = ExitStatus.of(error).message.split(separator: "\n").first.map(String.init) ?? "failed"
        _ = try? warehouse.query(
            "insert into etl.runs (invocation, started_at, finished_at, status, error_message) values ($1, $2, clock_timestamp(), 'failed', $3)",
            [invocation, started, message])
    }
}
