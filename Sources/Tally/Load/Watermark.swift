import Foundation

/// How far the warehouse has loaded: the source snapshot of the last committed run, in
/// `etl.watermark`, moved on in the same transaction as the facts it stands for.
enum Watermark {
    /// The last loaded snapshot (`pg_snapshot` text), row-locked for this run; nil before the first load.
    static func lockedSnapshot(on warehouse: PostgresConnection) throws -> String? {
        try warehouse.query("select snapshot from etl.watermark for update").rows.first.map { try $0.decode(0, as: String.self) }
    }

    /// The last loaded snapshot, for readers that do not load.
    static func snapshot(on warehouse: PostgresConnection) throws -> String? {
        try warehouse.query("select snapshot from etl.watermark").rows.first.map { try $0.decode(0, as: String.self) }
    }

    /// The source clock when the last loaded snapshot was taken; nil before the first load.
    static func sourceTime(on warehouse: PostgresConnection) throws -> Date? {
        try warehouse.query("select r.source_time from etl.watermark w join etl.runs r using (run_id)").rows.first?.decode(0, as: Date?.self)
    }

    /// Records `snapshot` as loaded by `runID`.
    static func advance(to snapshot: String, runID: Int, on warehouse: PostgresConnection) throws {
        try warehouse.query(
            """
            insert into etl.watermark (snapshot, run_id, updated_at) values ($1, $2, clock_timestamp())
            on conflict (singleton) do update set snapshot = excluded.snapshot, run_id = excluded.run_id, updated_at = excluded.updated_at
            """, [snapshot, runID])
    }
}
