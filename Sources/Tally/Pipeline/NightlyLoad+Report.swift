import Foundation

extension NightlyLoad {
    /// What a run did, for the summary line, the ledger and metrics.
    public struct Report: Sendable {
        public var runID: Int?
        public var rowsExtracted = 0
        public var rowsLoaded = 0
        public var rowsRejected = 0
        public var rejectsByReason: [RejectReason: Int] = [:]
        public var daysRecomputed = 0
        public var erasuresApplied = 0
        public var privateRowsPurged = 0
        public var oldestUnloadedAt: Date?
        public var sourceTime: Date?
        public var duration: TimeInterval = 0
        public var isDryRun = false
        /// The most groups of people one recompute of the run was computed in (1: all at once;
        /// more when its rows exceeded the memory budget).
        public var peopleGroups = 1

        /// One line for cron: what happened, no PII.
        public var summary: String {
            let what = isDryRun ? "dry run (nothing committed)" : "run \(runID.map(String.init) ?? "?")"
            return
                "tally load: \(what): \(rowsExtracted) source rows, \(rowsLoaded) loaded, \(rowsRejected) rejected, \(daysRecomputed) days recomputed, \(erasuresApplied) erasures applied in \(String(format: "%.1f", duration)) s"
                + (peopleGroups > 1 ? ", in \(peopleGroups) groups of people (--memory-budget)" : "")
        }

        /// Share of source rows rejected in this run.
        public var rejectShare: Double {
            rowsExtracted == 0 ? 0 : Double(rowsRejected) / Double(rowsExtracted)
        }

        /// Fails with exit 3 when more than `maximum` of the source rows were rejected. The run is
        /// committed (bad input never stops the night); this only makes the night's status visible.
        public func checkRejectShare(maximum: Double) throws {
            guard rejectShare > maximum else { return }
            let run = runID.map(String.init) ?? "?"
            throw LoadError(
                code: .committedWithProblem,
                message:
                    "run \(run) committed, but \(String(format: "%.1f", rejectShare * 100))% of source rows were rejected (threshold \(String(format: "%.1f", maximum * 100))%). See: select reason, count(*) from etl.rejects where run_id = \(run) group by reason"
            )
        }
    }
}
