/// What the warehouse holds, read back for `tally reconcile`: the daily facts per day and title,
/// the rejected source rows, and the loaded snapshot, all in one read-only snapshot of the warehouse.
struct FactTotals {
    let warehouse: PostgresConnection

    /// Opens the read-only transaction every other read shares.
    func begin() throws {
        try warehouse.execute("begin isolation level repeatable read read only")
    }

    /// The first and last day with daily facts; nil when there are none.
    func dayRange() throws -> ClosedRange<Day>? {
        let row = try warehouse.query(
            "select min(d.full_date), max(d.full_date) from analytics.fact_title_daily f join analytics.dim_date d using (date_key)")[0]
        guard let first: Day = try row.decode(0), let last: Day = try row.decode(1) else { return nil }
        return first...last
    }

    /// `fact_title_daily` per day and title id (-1 for the unknown title).
    func daily(_ days: ClosedRange<Day>) throws -> [TitleDayTotals.Key: TitleDayTotals] {
        var totals: [TitleDayTotals.Key: TitleDayTotals] = [:]
        let result = try warehouse.query(
            """
            select d.full_date, coalesce(t.title_id, -1), sum(f.plays)::int8, sum(f.watch_seconds)::int8, sum(f.completed_plays)::int8,
                   sum(f.viewers)::int8, sum(f.thumbs_up)::int8, sum(f.thumbs_down)::int8
            from analytics.fact_title_daily f
            join analytics.dim_date d using (date_key)
            join analytics.dim_title t using (title_key)
            where f.date_key between etl.date_key($1) and etl.date_key($2)
            group by 1, 2
            """, [days.lowerBound, days.upperBound])
        for row in result.rows {
            totals[TitleDayTotals.Key(day: try row.decode(0), titleID: try row.decode(1))] = TitleDayTotals(
                plays: try row.decode(2), watchSeconds: try row.decode(3), completedPlays: try row.decode(4), viewers: try row.decode(5),
                thumbsUp: try row.decode(6), thumbsDown: try row.decode(7))
        }
        return totals
    }

    /// The ids of every source row the load rejected, by source table.
    func rejected() throws -> (plays: [Int], ratings: [Int]) {
        let rows = try warehouse.query("select distinct source, source_id from etl.rejects").rows
        var plays: [Int] = []
        var ratings: [Int] = []
        for row in rows {
            let id: Int = try row.decode(1)
            if try row.decode(0, as: String.self) == "playback" { plays.append(id) } else { ratings.append(id) }
        }
        return (plays, ratings)
    }
}
