import Foundation
import Logging

/// One nightly load: extract what is new in the source snapshot, transform it (validate,
/// pseudonymise, aggregate, compute facts), and load facts, dimensions, private state, rejects, the
/// ledger row and the watermark in one warehouse transaction. A history load (the first load, or a
/// backfill) of more than one span commits each span but the last with a progress row, and moves
/// the watermark only with the last. This type only orders the stages;
/// each stage's work lives in Extract/, Transform/ and Load/.
public struct NightlyLoad {
    public var operationalURL: String
    public var warehouseURL: String
    public var keyFile: String?
    public var isDryRun = false
    /// Set by a signal handler to stop the run; nil when nobody can interrupt it.
    public var control: RunControl?
    /// Receives one line per stage, for a progress display on a terminal.
    public var progress: (@Sendable (String) -> Void)?
    /// Source rows a first load or a backfill reads at most in one span: its history is read in
    /// spans of whole months of up to this many rows (a month with more is a span of its own), and
    /// each span commits. Memory is bounded within a span by `memoryBudget`, so a span bounds what a
    /// kill loses (at most a span's work), what a spilled span takes in `$TMPDIR` (60 bytes a
    /// source row during the extract, and up to 120 bytes a distinct key while computing), and
    /// the warehouse transaction. Each span boundary costs a scan of the source's event
    /// tables and a read-back of the days carried over (bench/RESULTS.md: at 20M events over 30
    /// days, a second span for the last two days took a load from 40 s to 67 s), so spans are large.
    public static let defaultHistorySpanRows = 100_000_000
    public var historySpanRows = NightlyLoad.defaultHistorySpanRows
    /// What the run may hold in memory: a larger batch spills to temporary files, and a larger
    /// recompute is computed a group of people at a time (`--memory-budget`).
    public var memoryBudget = MemoryBudget.standard
    /// Days whose facts this run recomputes from every source row, however old (`--backfill`):
    /// history that arrived after the first load.
    public var backfill: ClosedRange<Day>?
    /// The id of this invocation: on every log line, and in the ledger row of each of its runs.
    public let invocation: String
    public var logger: Logger

    /// A load between the two configured databases.
    public init(configuration: TallyConfiguration, logger: Logger) throws {
        operationalURL = try configuration.url(for: .operational)
        warehouseURL = try configuration.url(for: .warehouse)
        keyFile = configuration.pseudonymKeyFile
        invocation = String(UUID().uuidString.prefix(8)).lowercased()
        self.logger = logger
        self.logger[metadataKey: "invocation"] = "\(invocation)"
    }

    /// Runs the load once.
    public func run() throws -> Report {
        let pseudonymiser = try Pseudonymiser(keyFile: keyFile)
        return try inLockedTransaction(application: "tally load", phase: "loading", recordingFailures: true) { warehouse, report in
            let settings = try LoadSettings.read(from: warehouse)
            let source = try OperationalSource.open(conninfo: operationalURL, logger: logger)
            defer { source.finish() }
            control?.watch(source.connection)
            try stage("extracting")
            let run = try openRun(source: source, warehouse: warehouse, settings: settings, report: &report)
            let changedDays = try refreshTitles(from: source, into: warehouse, cutoff: run.cutoff)
            report.erasuresApplied = try stageErasures(from: source, into: warehouse, since: run, settings: settings, pseudonymiser: pseudonymiser)
            report.daysRecomputed = try loadSpans(
                from: source, into: warehouse, run: run, settings: settings, pseudonymiser: pseudonymiser, changedDays: changedDays,
                report: &report
            ) { progress in
                // A dry run commits nothing, so it keeps its one transaction.
                guard !isDryRun else { return }
                try progress.save(runID: run.id, on: warehouse)
                try stage("committing a span")
                try warehouse.execute("commit")
                try WarehouseLock.begin(on: warehouse)
                _ = try stageErasures(from: source, into: warehouse, since: run, settings: settings, pseudonymiser: pseudonymiser)
            }
            logger.info("recomputed", metadata: ["run_id": "\(run.id)", "rows": "\(report.rowsExtracted)", "days": "\(report.daysRecomputed)"])

            try stage("committing")
            report.privateRowsPurged = try PrivateState(warehouse: warehouse).purge(before: run.cutoff)
            // A history load wrote every fact at once: statistics now, not when autovacuum comes.
            if run.history != nil { try warehouse.execute("select etl.analyze_facts()") }
            try keepReports(on: warehouse)
            report.duration = Date().timeIntervalSince(run.startedAt)
            try Ledger(warehouse: warehouse).close(runID: run.id, report: report)
            try Watermark.advance(to: run.snapshot, runID: run.id, on: warehouse)
            try HistoryProgress.clear(on: warehouse)
        }
    }

    func stage(_ name: String) throws {
        try control?.check()
        logger.debug("stage", metadata: ["stage": "\(name)"])
        progress?(name)
    }
}
