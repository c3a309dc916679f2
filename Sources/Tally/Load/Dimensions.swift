/// The warehouse's dimensions as a load changes them: titles merged as SCD type 2 from a staged copy
/// of the source catalogue, new device, region and audience members for a batch's segments, and
/// the days (and monthly partitions) that facts need.
struct Dimensions {
    let warehouse: PostgresConnection

    /// Stages the source catalogue: `feed` hands over rows of COPY text in `stage_titles`' column order.
    func stageTitles(_ feed: (_ write: ([UInt8]) throws -> Void) throws -> Void) throws {
        try warehouse.execute(
            """
            create temporary table stage_titles (
                title_id integer not null, name text not null, kind text not null, series_name text, genre text,
                release_year integer, runtime_seconds integer, updated_at timestamptz not null
            ) on commit drop
            """)
        try warehouse.copyIn("copy pg_temp.stage_titles from stdin") { writer in
            try feed { row in try writer.write(row) }
        }
    }

    /// Merges the staged titles into `dim_title` and returns the days, from `cutoff` on, whose
    /// facts the changed or newly arrived titles re-point.
    func mergeTitles(daysFrom cutoff: Day) throws -> [Day] {
        try warehouse.query(
            "select d from unnest(etl.days_of_titles(array(select etl.merge_titles()), $1)) d", [cutoff]
        ).rows.map { try $0.decode(0, as: Day.self) }
    }

    /// Adds the device, region and audience members of `segments` that are new, and returns each
    /// segment's keys, in the order given.
    func mergeSegments(_ segments: [ActivityBatch.Segment]) throws -> [SegmentKeys] {
        guard !segments.isEmpty else { return [] }
        try warehouse.execute(
            """
            create temporary table stage_segments (
                ordinal integer not null, device_type text not null, country_code text not null,
                age_band text not null, plan text not null, is_kids boolean not null
            ) on commit drop
            """)
        try warehouse.copyInBinary("copy pg_temp.stage_segments from stdin with (format binary)") { writer in
            for (i, s) in segments.enumerated() {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 6, to: &line)
                    CopyBinary.appendInt32(Int32(i), to: &line)
                    CopyBinary.appendText(s.deviceType.utf8, to: &line)
                    CopyBinary.appendText(s.country.utf8, to: &line)
                    CopyBinary.appendText(s.ageBand.utf8, to: &line)
                    CopyBinary.appendText(s.plan.utf8, to: &line)
                    CopyBinary.appendBool(s.isKids, to: &line)
                }
            }
        }
        try warehouse.execute("select etl.merge_segments()")
        let rows = try warehouse.query(
            """
            select d.device_key, r.region_key, a.audience_key
            from pg_temp.stage_segments s
            join analytics.dim_device d using (device_type)
            join analytics.dim_region r using (country_code)
            join analytics.dim_audience a using (age_band, plan, is_kids)
            order by s.ordinal
            """
        ).rows
        guard rows.count == segments.count else {
            throw LoadError(
                code: .schema,
                message:
                    "new dimension members could not be matched to \(segments.count - rows.count) segments; check analytics.dim_device, dim_region and dim_audience"
            )
        }
        try warehouse.execute("drop table pg_temp.stage_segments")
        return try rows.map { row in
            SegmentKeys(
                device: Int16(try row.decode(0, as: Int.self)), region: Int16(try row.decode(1, as: Int.self)),
                audience: Int16(try row.decode(2, as: Int.self)))
        }
    }

    /// What each segment key stands for in the audience dimensions that periods are broken down by.
    func breakdowns() throws -> FactEngine.Breakdowns {
        FactEngine.Breakdowns(
            devices: try warehouse.query("select device_key, device_class from analytics.dim_device").rows.map {
                (Int16(clamping: try $0.decode(0, as: Int.self)), try $0.decode(1))
            },
            regions: try warehouse.query("select region_key, region from analytics.dim_region").rows.map {
                (Int16(clamping: try $0.decode(0, as: Int.self)), try $0.decode(1))
            },
            audiences: try warehouse.query("select audience_key, age_band, plan, is_kids from analytics.dim_audience").rows.map {
                (Int16(clamping: try $0.decode(0, as: Int.self)), try $0.decode(1), try $0.decode(2), try $0.decode(3))
            })
    }

    /// Every version of every catalogued title, by title id, with its skip threshold; and the series
    /// and genre of each version, for the group totals. One read of dim_title.
    func titles() throws -> (versions: [Int32: [FactEngine.TitleVersion]], groups: FactEngine.TitleGroups) {
        var versions: [Int32: [FactEngine.TitleVersion]] = [:]
        var groups: [(key: Int32, series: String?, genre: String?)] = []
        for row in try warehouse.query(
            """
            select t.title_id, t.title_key, (extract(epoch from t.valid_from) * 1000000)::int8,
                   ceil(least(s.skip_seconds, s.skip_runtime_share * t.runtime_seconds))::int, t.series_name, t.genre
            from analytics.dim_title t, etl.settings s where t.title_key <> -1
            """
        ).rows {
            let key = Int32(try row.decode(1, as: Int.self))
            versions[Int32(try row.decode(0, as: Int.self)), default: []].append(
                FactEngine.TitleVersion(
                    key: key, validFrom: Int64(try row.decode(2, as: Int.self)), skipBelow: Int32(try row.decode(3, as: Int.self))))
            groups.append((key, try row.decode(4, as: String?.self), try row.decode(5, as: String?.self)))
        }
        return (versions, FactEngine.TitleGroups(groups))
    }

    /// When each day ends (midnight after it) in `timeZone`, by PostgreSQL's zone rules, in
    /// microseconds since 1970.
    func endsOfDays(_ days: ClosedRange<Day>, timeZone: String) throws -> [Int32: Int64] {
        var ends: [Int32: Int64] = [:]
        for row in try warehouse.query(
            """
            select d, (extract(epoch from ((date '1970-01-01' + d + 1)::timestamp at time zone $3)) * 1000000)::int8
            from generate_series($1::int, $2::int) d
            """, [Int(days.lowerBound.daysSince1970), Int(days.upperBound.daysSince1970), timeZone]
        ).rows {
            ends[Int32(try row.decode(0, as: Int.self))] = Int64(try row.decode(1, as: Int.self))
        }
        return ends
    }

    /// Makes sure `dim_date` covers `days` and the monthly fact partitions cover the months of `factDays`.
    func ensureDays(_ days: ClosedRange<Day>, factDays: [Int32]) throws {
        let months = Set(factDays.map { Day(daysSince1970: $0).month.lowerBound })
        try warehouse.query("select etl.ensure_days($1, $2, $3::date[])", [days.lowerBound, days.upperBound, PostgresArray(Array(months))])
    }
}
