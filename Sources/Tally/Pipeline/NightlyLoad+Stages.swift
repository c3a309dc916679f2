import Foundation
import Logging

extension NightlyLoad {
    /// What a run works within: its ledger id, the source snapshot it reads, the previous one, and
    /// the first day whose private state it keeps.
    struct Run {
        var id: Int
        var startedAt: Date
        var previous: String?
        /// The snapshot the run loads up to, and that becomes the watermark.
        var snapshot: String
        var sourceTime: Date
        var cutoff: Day
        /// The history the run reads besides what is new: all of it on a first load, a range on a backfill.
        var history: History?
        /// Set when the run resumes a history load that an earlier process began: the source's own
        /// snapshot is newer, so rows are read only if visible in `snapshot`.
        var through: String?

        /// Whether the warehouse has loaded nothing yet: this run then takes the source's whole history.
        var isFirstLoad: Bool { previous == nil }
    }

    /// Connects to the warehouse, takes the load lock in a transaction, runs `body`, and commits
    /// (or rolls back for a dry run). On failure it rolls back and, when asked, leaves a failed
    /// ledger row.
    func inLockedTransaction(
        application: String, phase: String, recordingFailures: Bool, _ body: (PostgresConnection, inout Report) throws -> Void
    ) throws -> Report {
        let started = Date()
        let warehouse = try PostgresConnection.connect(warehouseURL, applicationName: application, logger: logger)
        defer { warehouse.close() }
        control?.watch(warehouse)
        try WarehouseLock.refuseSuperuser(on: warehouse)
        try WarehouseLock.begin(on: warehouse)
        var report = Report(isDryRun: isDryRun)
        do {
            try body(warehouse, &report)
            try control?.check()
            try warehouse.execute(isDryRun ? "rollback" : "commit")
        } catch {
            if warehouse.isInTransaction { _ = try? warehouse.execute("rollback") }
            let failure = control?.interruptingSignal.map { LoadError.interrupted(by: $0) } ?? LoadError(wrapping: error, phase: phase)
            if recordingFailures && !isDryRun {
                let line = failure.message.split(separator: "\n").first.map(String.init) ?? "failed"
                Ledger(warehouse: warehouse).recordFailure(invocation: invocation, startedAt: started, message: line)
            }
            throw failure
        }
        report.duration = Date().timeIntervalSince(started)
        if isDryRun { report.runID = nil }
        logger.info("load committed", metadata: ["run_id": "\(report.runID.map(String.init) ?? "-")", "dry_run": "\(isDryRun)"])
        return report
    }

    /// Opens the source snapshot and the run's ledger row, after checking that the source did not
    /// go back behind the last loaded snapshot. A history load that an earlier process left
    /// unfinished is resumed in its own snapshot, before anything else.
    func openRun(source: OperationalSource, warehouse: PostgresConnection, settings: LoadSettings, report: inout Report) throws -> Run {
        let started = Date()
        let previous = try Watermark.lockedSnapshot(on: warehouse)
        let resumed = try HistoryProgress.read(on: warehouse)
        if let resumed, let backfill {
            throw LoadError(
                code: .usage,
                message:
                    "--backfill \(backfill.lowerBound) \(backfill.upperBound): an interrupted \(resumed.history.readFrom == nil ? "first load" : "backfill") is not finished (it has read up to \(resumed.history.nextDay.map(String.init(describing:)) ?? "its start")). Run tally load without --backfill to finish it first."
            )
        }
        let (current, currentTime) = try source.beginSnapshot()
        let (snapshot, sourceTime) = resumed.map { ($0.snapshot, $0.sourceTime) } ?? (current, currentTime)
        for loaded in [previous, resumed?.snapshot].compactMap({ $0 }) where try source.isBehind(loaded, snapshot: current) {
            throw LoadError(
                code: .sourceRewound,
                message:
                    "the operational database's transaction ids are behind the last loaded snapshot (\(loaded) > \(current)): it was restored or failed over. Loading now would skip rows; reset the watermark (delete from etl.watermark; delete from etl.history_progress) and rebuild deliberately."
            )
        }
        report.sourceTime = sourceTime
        try Ledger(warehouse: warehouse).markInterrupted()
        let id = try Ledger(warehouse: warehouse).open(
            invocation: invocation, startedAt: started, previous: previous, snapshot: snapshot, sourceTime: sourceTime)
        report.runID = id
        let cutoff = try settings.retentionCutoff(at: sourceTime, on: warehouse)
        var history = resumed?.history
        if history == nil, previous == nil {
            history = History()
        } else if history == nil, let backfill {
            history = try History(backfill: backfill, cutoff: cutoff, streakMax: settings.streakMaxDays)
        }
        return Run(
            id: id, startedAt: started, previous: previous, snapshot: snapshot, sourceTime: sourceTime, cutoff: cutoff, history: history,
            through: resumed == nil ? nil : snapshot)
    }

    /// Streams the rows of `window` into an `ActivityBatch`: validated, pseudonymised and
    /// aggregated. History rows are taken however old; other rows only if private state still
    /// covers their day. The report's counts add up over the calls.
    func extract(
        from source: OperationalSource, run: Run, settings: LoadSettings, pseudonymiser: Pseudonymiser, window: OperationalSource.Window,
        report: inout Report
    ) throws -> ActivityBatch {
        var batch = ActivityBatch(
            rules: RejectRules(
                maxWatchSeconds: Int64(settings.maxWatchSeconds), serviceStartDay: settings.serviceStart.map { Int64($0.daysSince1970) } ?? .min,
                firstRetainedDay: window.previous == nil ? .min : Int64(run.cutoff.daysSince1970)),
            pseudonymiser: pseudonymiser)
        batch.spillAbove = memoryBudget.rows
        let started = Date()
        try source.extract(
            window,
            profile: { row in
                guard batch.addProfile(row) else { throw OperationalSource.unexpectedRow }
            },
            event: { row, isPlay in
                guard batch.add(row, isPlay: isPlay) else { throw OperationalSource.unexpectedRow }
                if let progress, batch.rowsRead % 100_000 == 0 {
                    let rate = Int(Double(batch.rowsRead) / max(Date().timeIntervalSince(started), 0.001))
                    progress("extracting: \(batch.rowsRead) rows (\(rate) rows/s)")
                }
            })
        try batch.finish()
        batch.normalise(
            deviceTypes: try source.normalisedDeviceTypes(batch.rawDeviceTypes),
            countries: try source.normalisedCountries(batch.rawCountries))
        report.rowsExtracted += batch.rowsRead
        report.rowsLoaded += batch.rowsAggregated
        report.rowsRejected += batch.rejects.count
        report.oldestUnloadedAt = [report.oldestUnloadedAt, batch.oldestIngestedAt].compactMap { $0 }.min()
        for reject in batch.rejects { report.rejectsByReason[reject.reason, default: 0] += 1 }
        return batch
    }

    /// Decides again which co-viewing pairs I2t holds back in the periods whose inputs changed, and
    /// keeps the decisions for report.coviewing to reuse (etl.refresh_coviewing_held); then keeps the
    /// rows of the report views that decide every period, for reads until the facts change again
    /// (etl.refresh_kept_reports).
    func keepReports(on warehouse: PostgresConnection) throws {
        let periods = try warehouse.query("select etl.refresh_coviewing_held()").scalar(as: Int.self)
        logger.debug("co-viewing decisions kept", metadata: ["periods": "\(periods)"])
        try warehouse.execute("select etl.refresh_kept_reports()")
        logger.debug("report views kept")
    }

    /// Merges the source catalogue into `dim_title`; returns the days whose facts changed titles re-point.
    func refreshTitles(from source: OperationalSource, into warehouse: PostgresConnection, cutoff: Day) throws -> [Day] {
        let dimensions = Dimensions(warehouse: warehouse)
        try dimensions.stageTitles { write in
            try source.readTitles { row in try write(Array(row)) }
        }
        return try dimensions.mergeTitles(daysFrom: cutoff)
    }

    /// Stages the pseudonyms of profiles erased while their private state could still exist: within
    /// the retention window (plus a week of slack), and since the watermark's snapshot, so that a
    /// warehouse restored from an older dump purges again everyone erased after the dump. A day of
    /// slack covers a transaction that set `deleted_at` before that snapshot but committed after it.
    /// Returns how many.
    func stageErasures(
        from source: OperationalSource, into warehouse: PostgresConnection, since run: Run, settings: LoadSettings,
        pseudonymiser: Pseudonymiser
    ) throws -> Int {
        let retained = run.sourceTime.addingTimeInterval(-Double(settings.retentionDays + 7) * 86_400)
        let loaded = try Watermark.sourceTime(on: warehouse)?.addingTimeInterval(-86_400)
        let erased = try source.erasedProfiles(since: min(retained, loaded ?? retained))
        try PrivateState(warehouse: warehouse).stageErasures(erased.map { pseudonymiser.pseudonym(of: Array($0.utf8)) })
        return erased.count
    }
}
