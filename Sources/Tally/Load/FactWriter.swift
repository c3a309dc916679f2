/// Replaces the facts of a recompute's scope: deletes them, then writes the engine's rows by
/// binary COPY. Each table's column list and the encoding of each column come from one list
/// (`FactTable`), so the two cannot disagree.
struct FactWriter {
    let warehouse: PostgresConnection

    /// Deletes the facts of the scope, before `write` adds them again. With no daily facts (a first
    /// load: every fact table derives from the same rows, so all are empty) nothing is deleted:
    /// planning a delete of thousands of days over hundreds of partitions costs close to a second
    /// per table.
    func delete(_ scope: FactEngine.Scope) throws {
        guard try warehouse.query("select exists (select 1 from analytics.fact_title_daily)").scalar(as: Bool.self) else { return }
        let days = scope.days.map { Int(Day(daysSince1970: $0).dateKey) }
        let asOf = scope.asOf.map { Int(Day(daysSince1970: $0).dateKey) }
        try warehouse.query("delete from analytics.fact_title_daily where date_key = any ($1::int[])", [PostgresArray(days)])
        try warehouse.query("delete from analytics.fact_title_daily_segment where date_key = any ($1::int[])", [PostgresArray(days)])
        let kinds = scope.periods.map(\.kind.name)
        let starts = scope.periods.map { Day(daysSince1970: $0.start) }
        for table in ["fact_title_period", "fact_coviewing", "fact_title_period_breakdown", "fact_group_period"] {
            try warehouse.query(
                """
                delete from analytics.\(table) f using unnest($1::text[], $2::date[]) p (kind, start)
                where f.period_kind = p.kind and f.period_start = p.start
                """, [PostgresArray(kinds), PostgresArray(starts)])
        }
        try warehouse.query("delete from analytics.fact_title_streak where as_of_date_key = any ($1::int[])", [PostgresArray(asOf)])
    }

    /// Adds the fact rows of the scope (after `delete`).
    func write(_ facts: Facts) throws {
        try write(facts, evidence: nil)
    }

    /// Writes each table's rows of `facts`: into the fact tables, or with `evidence` into the staging tables.
    private func write(_ facts: Facts, evidence: Bool?) throws {
        try write(facts.daily, to: .daily, evidence: evidence)
        try write(facts.segments, to: .segments, evidence: evidence)
        try write(facts.periods, to: .periods, evidence: evidence)
        try write(facts.coviewing, to: .coviewing, evidence: evidence)
        try write(facts.streaks, to: .streaks, evidence: evidence)
        try write(facts.breakdowns, to: .breakdowns, evidence: evidence)
        try write(facts.groups, to: .groups, evidence: evidence)
    }

    /// Each fact table's name and columns, with how groups' rows merge.
    private static let shapes: [(name: String, columns: [(name: String, merge: Merge)])] = [
        FactTable.daily.shape, FactTable.segments.shape, FactTable.periods.shape, FactTable.coviewing.shape,
        FactTable.streaks.shape, FactTable.breakdowns.shape, FactTable.groups.shape,
    ]

    /// Creates a staging table per fact table, dropped at commit, for the facts of groups of people.
    func createStaging() throws {
        for table in Self.shapes {
            try warehouse.execute(
                """
                create temporary table stage_\(table.name) on commit drop as
                select \(table.columns.map(\.name).joined(separator: ", ")) from analytics.\(table.name) with no data;
                alter table pg_temp.stage_\(table.name) add column evidence boolean not null
                """)
        }
    }

    /// Adds one group of people's facts to the staging tables. A row with `evidence` makes its
    /// fact row exist; one without only adds to a row that another makes (skips, small-day viewers).
    func stage(_ facts: Facts, evidence: Bool) throws {
        try write(facts, evidence: evidence)
    }

    /// Writes the staged facts into the fact tables (after `delete`): key columns grouped, counts
    /// summed, the columns every group gives alike (floors, a series' titles) once. A row exists
    /// when a group gave evidence of it, and a co-viewing pair when its shared viewers reach the
    /// floor. Drops the staging tables. The rows go in key order: in hash order, the primary keys'
    /// inserts took twice as long (bench/RESULTS.md).
    func mergeStaging(coviewingFloor: Int32) throws {
        for table in Self.shapes {
            let keys = table.columns.filter { $0.merge == .key }.map(\.name)
            let values = table.columns.map { c in
                switch c.merge {
                case .key: c.name
                case .sum: "sum(\(c.name))"
                case .same: "max(\(c.name))"
                }
            }
            let floor = table.name == FactTable<CoviewingFact>.coviewing.name ? " and sum(shared_viewers) >= \(coviewingFloor)" : ""
            try warehouse.execute(
                """
                insert into analytics.\(table.name) (\(table.columns.map(\.name).joined(separator: ", ")))
                select \(values.joined(separator: ", ")) from pg_temp.stage_\(table.name)
                group by \(keys.joined(separator: ", ")) having bool_or(evidence)\(floor)
                order by \(keys.joined(separator: ", "));
                drop table pg_temp.stage_\(table.name)
                """)
        }
    }

    /// Writes rows by binary COPY: into the fact table, or with `evidence` into its staging table.
    private func write<Row>(_ rows: [Row], to table: FactTable<Row>, evidence: Bool?) throws {
        guard !rows.isEmpty else { return }
        var overflow: String?
        let target = evidence == nil ? "analytics.\(table.name)" : "pg_temp.stage_\(table.name)"
        let names = table.columns.map(\.name) + (evidence == nil ? [] : ["evidence"])
        try warehouse.copyInBinary("copy \(target) (\(names.joined(separator: ", "))) from stdin with (format binary)") { writer in
            for row in rows {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: names.count, to: &line)
                    for column in table.columns where !column.append(row, &line) {
                        overflow = column.name
                    }
                    if let evidence { CopyBinary.appendBool(evidence, to: &line) }
                }
                if overflow != nil { break }
            }
        }
        if let overflow {
            throw LoadError(
                code: .failed,
                message:
                    "a value of analytics.\(table.name).\(overflow) does not fit its integer column. Nothing was committed; widen the column with a migration.")
        }
    }
}

/// How the rows that groups of people give for one fact row merge, column by column: a key groups
/// them, a count is summed, and a value every group gives alike is taken once.
enum Merge {
    case key, sum, same
}

/// A fact table: its name and its columns, each with how it is written in COPY binary.
struct FactTable<Row> {
    struct Column {
        let name: String
        var merge = Merge.key
        /// Appends the row's value; false when it does not fit the column.
        let append: (Row, inout [UInt8]) -> Bool
    }

    let name: String
    let columns: [Column]

    var shape: (name: String, columns: [(name: String, merge: Merge)]) { (name, columns.map { ($0.name, $0.merge) }) }
}

extension FactTable.Column {
    /// A day as its yyyymmdd `dim_date` key (integer).
    static func dateKey(_ name: String, _ value: @escaping (Row) -> Day) -> Self {
        Self(name: name) { row, out in
            CopyBinary.appendInt32(value(row).dateKey, to: &out)
            return true
        }
    }

    /// A period's kind (text) and start (date).
    static func period(_ value: @escaping (Row) -> FactEngine.Period) -> [Self] {
        [
            Self(name: "period_kind") { row, out in
                CopyBinary.appendText(value(row).kind.name.utf8, to: &out)
                return true
            },
            Self(name: "period_start") { row, out in
                CopyBinary.append(Day(daysSince1970: value(row).start), to: &out)
                return true
            },
        ]
    }

    static func text(_ name: String, _ value: @escaping (Row) -> String) -> Self {
        Self(name: name) { row, out in
            CopyBinary.appendText(value(row).utf8, to: &out)
            return true
        }
    }

    static func smallint(_ name: String, _ value: @escaping (Row) -> Int16) -> Self {
        Self(name: name) { row, out in
            CopyBinary.appendInt16(value(row), to: &out)
            return true
        }
    }

    static func integer(_ name: String, _ value: @escaping (Row) -> Int32) -> Self {
        Self(name: name) { row, out in
            CopyBinary.appendInt32(value(row), to: &out)
            return true
        }
    }

    /// A value every group of people gives alike (a floor, a series' titles).
    static func same(_ name: String, _ value: @escaping (Row) -> Int32) -> Self {
        Self(name: name, merge: .same) { row, out in
            CopyBinary.appendInt32(value(row), to: &out)
            return true
        }
    }

    /// A count the engine keeps in 64 bits, written to an integer column.
    static func count(_ name: String, _ value: @escaping (Row) -> Int64) -> Self {
        Self(name: name, merge: .sum) { row, out in
            guard let v = Int32(exactly: value(row)) else { return false }
            CopyBinary.appendInt32(v, to: &out)
            return true
        }
    }

    static func bigint(_ name: String, _ value: @escaping (Row) -> Int64) -> Self {
        Self(name: name, merge: .sum) { row, out in
            CopyBinary.appendInt64(value(row), to: &out)
            return true
        }
    }

    /// The daily measures, in the column order of the daily and segment tables.
    static func measures(_ value: @escaping (Row) -> FactMeasures) -> [Self] {
        [
            .count("viewers") { value($0).viewers }, .count("plays") { value($0).plays },
            .count("completed_plays") { value($0).completedPlays }, .bigint("watch_seconds") { value($0).watchSeconds },
            .count("thumbs_up") { value($0).thumbsUp }, .count("thumbs_down") { value($0).thumbsDown },
            .count("skips") { value($0).skips }, .count("raters") { value($0).raters },
        ]
    }
}

extension FactTable where Row == DailyFact {
    static var daily: FactTable {
        FactTable(
            name: "fact_title_daily",
            columns: [.dateKey("date_key", \.day), .integer("title_key", \.titleKey)] + Column.measures(\.measures))
    }
}

extension FactTable where Row == SegmentFact {
    static var segments: FactTable {
        FactTable(
            name: "fact_title_daily_segment",
            columns: [
                .dateKey("date_key", \.day), .integer("title_key", \.titleKey), .smallint("device_key", \.device),
                .smallint("region_key", \.region), .smallint("audience_key", \.audience),
            ] + Column.measures(\.measures))
    }
}

extension FactTable where Row == PeriodFact {
    static var periods: FactTable {
        FactTable(
            name: "fact_title_period",
            columns: Column.period(\.period) + [
                .integer("title_key", \.titleKey), .count("viewers", \.viewers), .count("plays", \.plays),
                .bigint("watch_seconds", \.watchSeconds), .count("skips", \.skips),
                .count("small_day_viewers", \.smallDayViewers), .same("small_day_below", \.smallDayBelow),
            ])
    }
}

extension FactTable where Row == CoviewingFact {
    static var coviewing: FactTable {
        FactTable(
            name: "fact_coviewing",
            columns: Column.period(\.period) + [
                .integer("title_a_key", \.titleA), .integer("title_b_key", \.titleB), .count("shared_viewers", \.sharedViewers),
            ])
    }
}

extension FactTable where Row == StreakFact {
    static var streaks: FactTable {
        FactTable(
            name: "fact_title_streak",
            columns: [
                .dateKey("as_of_date_key", \.asOf), .integer("title_key", \.titleKey), .integer("streak_days", \.streakDays),
                .count("viewers", \.viewers),
            ])
    }
}

extension FactTable where Row == BreakdownFact {
    static var breakdowns: FactTable {
        FactTable(
            name: "fact_title_period_breakdown",
            columns: Column.period(\.period) + [
                .integer("title_key", \.titleKey), .text("dimension") { $0.dimension.name }, .text("value", \.value),
                .count("viewers") { $0.measures.viewers }, .count("plays") { $0.measures.plays },
                .count("completed_plays") { $0.measures.completedPlays }, .bigint("watch_seconds") { $0.measures.watchSeconds },
            ])
    }
}

extension FactTable where Row == GroupFact {
    static var groups: FactTable {
        FactTable(
            name: "fact_group_period",
            columns: Column.period(\.period) + [
                .text("grouping") { $0.grouping.name }, .text("name", \.name), .same("titles", \.titles), .count("viewers", \.viewers),
                .count("plays", \.plays), .bigint("watch_seconds", \.watchSeconds), .same("small_titles", \.smallTitles),
                .count("small_title_viewers", \.smallTitleViewers), .same("small_title_below", \.smallTitleBelow),
            ])
    }
}
