import Foundation

/// The warehouse's record of runs: one `etl.runs` row per run, opened when the run starts and
/// closed with its counts in the same transaction, and the run's rejects in `etl.rejects`.
struct Ledger {
    let warehouse: PostgresConnection

    /// Opens the run's row, `running` until `close` (committed with the run, or with the first
    /// span of a history load), and returns its id.
    func open(invocation: String, startedAt: Date, previous: String?, snapshot: String, sourceTime: Date) throws -> Int {
        try warehouse.query(
            """
            insert into etl.runs (invocation, started_at, status, snapshot_from, snapshot_to, source_time)
            values ($1, $2, 'running', $3, $4, $5) returning run_id
            """, [invocation, startedAt, previous, snapshot, sourceTime]
        ).scalar(as: Int.self)
    }

    /// Writes the rejected rows of a run: source, id and reason, nothing else of the row.
    func writeRejects(_ rejects: [Reject], runID: Int) throws {
        guard !rejects.isEmpty else { return }
        try warehouse.copyInBinary("copy etl.rejects (run_id, source, source_id, reason) from stdin with (format binary)") { writer in
            for reject in rejects {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 4, to: &line)
                    CopyBinary.appendInt64(Int64(runID), to: &line)
                    CopyBinary.appendText(reject.source.rawValue.utf8, to: &line)
                    CopyBinary.appendInt64(reject.id, to: &line)
                    CopyBinary.appendText(reject.reason.rawValue.utf8, to: &line)
                }
            }
        }
    }

    /// Deletes the rejects of these source rows (a backfill reads them again).
    func forgetRejects(plays: [Int], ratings: [Int]) throws {
        for (source, ids) in [(Reject.Source.playback.rawValue, plays), (Reject.Source.rating.rawValue, ratings)] where !ids.isEmpty {
            try warehouse.query("delete from etl.rejects where source = $1 and source_id = any($2::int8[])", [source, PostgresArray(ids)])
        }
    }

    /// Marks the rows of runs that committed spans of a history load and were then killed: this
    /// run holds the lock, so no other run is running.
    func markInterrupted() throws {
        try warehouse.execute("update etl.runs set status = 'interrupted' where status = 'running'")
    }

    /// Records what the run did in its row.
    func close(runID: Int, report: NightlyLoad.Report) throws {
        try warehouse.query(
            """
            update etl.runs set status = 'succeeded', finished_at = clock_timestamp(), rows_extracted = $2, rows_loaded = $3, rows_rejected = $4,
                days_recomputed = $5, erasures_applied = $6, private_rows_purged = $7, oldest_unloaded_at = $8
            where run_id = $1
            """,
            [
                runID, report.rowsExtracted, report.rowsLoaded, report.rowsRejected, report.daysRecomputed,
                report.erasuresApplied, report.privateRowsPurged, report.oldestUnloadedAt,
            ])
    }

    /// A failed run leaves one row, written after its rollback; best effort, since the warehouse
    /// may be what failed.
    func recordFailure(invocation: String, startedAt: Date, message: String) {
        guard warehouse.isHealthy else { return }
        _ = try? warehouse.query(
            "insert into etl.runs (invocation, started_at, finished_at, status, error_message) values ($1, $2, clock_timestamp(), 'failed', $3)",
            [invocation, startedAt, message])
    }
}
