extension OperationalSource {
    /// What the loaded source rows add up to per day and title: the rows visible in the warehouse's
    /// `watermark` snapshot, less the rejected ones, with days counted in `businessTimeZone`. One
    /// `group by` per table, whatever the range. Titles not in the catalogue count as -1.
    func loadedTotals(
        watermark: String, rejectedPlays: [Int], rejectedRatings: [Int], businessTimeZone: String, days: ClosedRange<Day>
    ) throws -> [TitleDayTotals.Key: TitleDayTotals] {
        let snapshot = "$1::pg_snapshot"
        func loaded(_ alias: String) -> String { "not (\(Self.isNew(alias, since: snapshot)))" }
        var totals: [TitleDayTotals.Key: TitleDayTotals] = [:]
        /// One table's rows per day and title: `measures` over the loaded, unrejected rows.
        func grouped(_ table: String, id: String, at: String, columns: String, measures: String, rejected: [Int]) throws -> PostgresResult {
            try connection.query(
                """
                select day, title, \(measures)
                from (
                    select (r.\(at) at time zone $2)::date as day, coalesce(t.title_id, -1) as title, \(columns)
                    from \(table) r
                    left join app.titles t on t.title_id = r.title_id
                    left join unnest($3::int8[]) rejected (id) on rejected.id = r.\(id)
                    where rejected.id is null and \(loaded("r"))
                ) rows
                where day between $4 and $5
                group by day, title
                """, [watermark, businessTimeZone, PostgresArray(rejected), days.lowerBound, days.upperBound])
        }
        let plays = try grouped(
            "app.playback_events", id: "event_id", at: "started_at", columns: "r.watched_seconds, r.completed, r.profile_id",
            measures: "count(*)::int8, sum(watched_seconds)::int8, count(*) filter (where completed)::int8, count(distinct profile_id)::int8",
            rejected: rejectedPlays)
        for row in plays.rows {
            let key = TitleDayTotals.Key(day: try row.decode(0), titleID: try row.decode(1))
            totals[key, default: TitleDayTotals()].plays = try row.decode(2)
            totals[key]?.watchSeconds = try row.decode(3)
            totals[key]?.completedPlays = try row.decode(4)
            totals[key]?.viewers = try row.decode(5)
        }
        let ratings = try grouped(
            "app.ratings", id: "rating_id", at: "rated_at", columns: "r.thumb",
            measures: "count(*) filter (where thumb = 1)::int8, count(*) filter (where thumb = -1)::int8", rejected: rejectedRatings)
        for row in ratings.rows {
            let key = TitleDayTotals.Key(day: try row.decode(0), titleID: try row.decode(1))
            totals[key, default: TitleDayTotals()].thumbsUp = try row.decode(2)
            totals[key]?.thumbsDown = try row.decode(3)
        }
        return totals
    }
}
