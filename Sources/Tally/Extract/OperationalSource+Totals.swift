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
        let plays = try connection.query(
            """
            select day, title, count(*)::int8, sum(watched_seconds)::int8, count(*) filter (where completed)::int8, count(distinct profile_id)::int8
            from (
                select (e.started_at at time zone $2)::date as day, coalesce(t.title_id, -1) as title, e.watched_seconds, e.completed, e.profile_id
                from app.playback_events e
                left join app.titles t on t.title_id = e.title_id
                left join unnest($3::int8[]) rejected (id) on rejected.id = e.event_id
                where rejected.id is null and \(loaded("e"))
            ) rows
            where day between $4 and $5
            group by day, title
            """, [watermark, businessTimeZone, PostgresArray(rejectedPlays), days.lowerBound, days.upperBound])
        for row in plays.rows {
            let key = TitleDayTotals.Key(day: try row.decode(0), titleID: try row.decode(1))
            totals[key, default: TitleDayTotals()].plays = try row.decode(2)
            totals[key]?.watchSeconds = try row.decode(3)
            totals[key]?.completedPlays = try row.decode(4)
            totals[key]?.viewers = try row.decode(5)
        }
        let ratings = try connection.query(
            """
            select day, title, count(*) filter (where thumb = 1)::int8, count(*) filter (where thumb = -1)::int8
            from (
                select (r.rated_at at time zone $2)::date as day, coalesce(t.title_id, -1) as title, r.thumb
                from app.ratings r
                left join app.titles t on t.title_id = r.title_id
                left join unnest($3::int8[]) rejected (id) on rejected.id = r.rating_id
                where rejected.id is null and \(loaded("r"))
            ) rows
            where day between $4 and $5
            group by day, title
            """, [watermark, businessTimeZone, PostgresArray(rejectedRatings), days.lowerBound, days.upperBound])
        for row in ratings.rows {
            let key = TitleDayTotals.Key(day: try row.decode(0), titleID: try row.decode(1))
            totals[key, default: TitleDayTotals()].thumbsUp = try row.decode(2)
            totals[key]?.thumbsDown = try row.decode(3)
        }
        return totals
    }
}
