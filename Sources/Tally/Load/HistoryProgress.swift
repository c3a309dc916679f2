import Foundation

/// How far an unfinished history load (a first load, or a backfill) has come: one row in
/// `etl.history_progress`, written in the transaction of each span it commits and removed in the
/// one that advances the watermark. A run that finds it resumes in the snapshot it names.
struct HistoryProgress {
    /// The snapshot the history is read in, and the source clock when it was taken.
    var snapshot: String
    var sourceTime: Date
    var history: NightlyLoad.History

    static func read(on warehouse: PostgresConnection) throws -> HistoryProgress? {
        guard
            let row = try warehouse.query(
                "select snapshot, source_time, read_from, touch_to, read_to, next_day, facts_from from etl.history_progress"
            ).rows.first
        else { return nil }
        return HistoryProgress(
            snapshot: try row.decode(0), sourceTime: try row.decode(1),
            history: NightlyLoad.History(
                readFrom: try row.decode(2), touchTo: try row.decode(3), readTo: try row.decode(4), nextDay: try row.decode(5),
                factsFrom: try row.decode(6)))
    }

    func save(runID: Int, on warehouse: PostgresConnection) throws {
        try warehouse.query(
            """
            insert into etl.history_progress (run_id, snapshot, source_time, read_from, touch_to, read_to, next_day, facts_from, updated_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp())
            on conflict (singleton) do update set run_id = excluded.run_id, snapshot = excluded.snapshot, source_time = excluded.source_time,
                read_from = excluded.read_from, touch_to = excluded.touch_to, read_to = excluded.read_to, next_day = excluded.next_day,
                facts_from = excluded.facts_from, updated_at = excluded.updated_at
            """,
            [runID, snapshot, sourceTime, history.readFrom, history.touchTo, history.readTo, history.nextDay, history.factsFrom])
    }

    static func clear(on warehouse: PostgresConnection) throws {
        try warehouse.execute("delete from etl.history_progress")
    }
}
