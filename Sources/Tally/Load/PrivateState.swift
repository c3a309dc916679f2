/// Person-level working state in the warehouse's `private` schema, which only the loader reads:
/// pseudonyms with a small person key (`private.people`), each person's counts per day, title and
/// segment (`private.activity`) and play lengths (`private.play_durations`). It is kept for the
/// retention window, and removed for erased people.
struct PrivateState {
    let warehouse: PostgresConnection

    /// Gives each pseudonym its `private.people` key (new pseudonyms get new keys, and `last_day`
    /// moves on) and returns the keys in the order given. `people` pairs a pseudonym with the last
    /// day of its activity in this run.
    func mergePeople(_ people: [(pseudonym: ArraySlice<UInt8>, lastDay: Int32)]) throws -> [Int32] {
        var keys = [Int32](repeating: -1, count: people.count)
        guard !people.isEmpty else { return keys }
        try warehouse.execute(
            "create temporary table stage_people (ordinal integer not null, pseudonym bytea not null, last_day date not null) on commit drop")
        try warehouse.copyInBinary("copy pg_temp.stage_people from stdin with (format binary)") { writer in
            for (i, person) in people.enumerated() {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 3, to: &line)
                    CopyBinary.appendInt32(Int32(i), to: &line)
                    CopyBinary.appendBytes(person.pseudonym, to: &line)
                    CopyBinary.append(Day(daysSince1970: person.lastDay), to: &line)
                }
            }
        }
        try warehouse.execute("select etl.merge_people()")
        for row in try warehouse.query("select s.ordinal, p.person_key from pg_temp.stage_people s join private.people p using (pseudonym)").rows {
            keys[try row.decode(0, as: Int.self)] = Int32(try row.decode(1, as: Int.self))
        }
        try warehouse.execute("drop table pg_temp.stage_people")
        return keys
    }

    /// The last day with stored activity after `day`, if any.
    func lastStoredDay(after day: Int32) throws -> Int32? {
        try warehouse.query(
            "select (max(day) - date '1970-01-01')::int from private.activity where day > date '1970-01-01' + $1::int", [Int(day)]
        ).scalar(as: Int?.self).map(Int32.init)
    }

    /// The condition on `day` of ranges of days.
    private static func condition(_ days: [ClosedRange<Int32>]) -> String {
        "("
            + days.map { "day between '\(Day(daysSince1970: $0.lowerBound))' and '\(Day(daysSince1970: $0.upperBound))'" }
            .joined(separator: " or ") + ")"
    }

    private static let unreadable = LoadError(
        code: .schema,
        message: "private state could not be read back; the warehouse may not match this version of tally (run tally migrate status --db warehouse)")

    /// What is stored for ranges of days: activity rows per person bucket (the first byte of the
    /// pseudonym, `ActivityBatch.buckets` of them), and play lengths. A run sizes its groups of
    /// people by them, and reserves each group's rows at once: an array grown row by row held up
    /// to three times its rows while it grew. (The planner's estimate, free, was ten times too low
    /// after a few nightly runs in the tests: autovacuum analyses the appended rows late.)
    func sizes(_ days: [ClosedRange<Int32>]) throws -> (rowsPerBucket: [Int], durations: Int) {
        var perBucket = [Int](repeating: 0, count: ActivityBatch.buckets)
        guard !days.isEmpty else { return (perBucket, 0) }
        let range = Self.condition(days)
        for row in try warehouse.query(
            """
            select get_byte(p.pseudonym, 0), count(*) from private.activity a join private.people p using (person_key)
            where \(range) group by 1
            """
        ).rows {
            perBucket[try row.decode(0, as: Int.self)] = try row.decode(1, as: Int.self)
        }
        let durations = try warehouse.query("select count(*) from private.play_durations where \(range)").scalar(as: Int.self)
        return (perBucket, durations)
    }

    /// Appends the stored rows of ranges of days (before this run's rows are added) to `rows`,
    /// read by binary COPY. Each person key becomes a slot of `persons`.
    func read(_ days: [ClosedRange<Int32>], persons: inout Persons, into rows: inout [FactEngine.Row]) throws {
        try forEachRow(days, withBuckets: false) { _, row in
            var row = row
            row.person = persons.slot(of: row.person)
            rows.append(row)
        }
    }

    /// Calls `body` with each stored activity row of ranges of days as it streams in, and its
    /// person's bucket (the pseudonym's first byte): a run in groups of people spills them by
    /// bucket in one scan, where a query per group scanned them all each time. The row's `person`
    /// is its person key.
    func forEachRow(_ days: [ClosedRange<Int32>], _ body: (_ bucket: Int, FactEngine.Row) throws -> Void) throws {
        try forEachRow(days, withBuckets: true, body)
    }

    private func forEachRow(_ days: [ClosedRange<Int32>], withBuckets: Bool, _ body: (Int, FactEngine.Row) throws -> Void) throws {
        guard !days.isEmpty else { return }
        let source = withBuckets ? "get_byte(p.pseudonym, 0) from private.activity a join private.people p using (person_key)" : "0 from private.activity"
        let unreadable = Self.unreadable
        try warehouse.copyOut(
            """
            copy (select day - date '1970-01-01', title_id, device_key, region_key, audience_key, plays, completed_plays,
                         watch_seconds, thumbs_up, thumbs_down, person_key, \(source)
                  where \(Self.condition(days))) to stdout with (format binary)
            """
        ) { line in
            guard var f = BinaryRowCursor(line) else { return }
            guard
                let (bucket, row) = f.withIntegers(
                    12,
                    { v in
                        (
                            Int(v[11]),
                            FactEngine.Row(
                                person: Int32(v[10]), day: Int32(v[0]), titleID: Int32(v[1]),
                                device: Int16(v[2]), region: Int16(v[3]), audience: Int16(v[4]),
                                plays: Int32(v[5]), completedPlays: Int32(v[6]), watchSeconds: v[7],
                                thumbsUp: Int32(v[8]), thumbsDown: Int32(v[9]))
                        )
                    })
            else { throw unreadable }
            try body(bucket, row)
        }
    }

    /// Calls `body` with each stored play length of ranges of days, as it streams in: a run in
    /// groups of people never holds them all (on 50M events they were more than the budget).
    func forEachDuration(_ days: [ClosedRange<Int32>], _ body: (FactEngine.Duration) throws -> Void) throws {
        guard !days.isEmpty else { return }
        let range = Self.condition(days)
        let unreadable = Self.unreadable
        try warehouse.copyOut(
            """
            copy (select day - date '1970-01-01', title_id, device_key, region_key, audience_key, watched_seconds, plays
                  from private.play_durations where \(range)) to stdout with (format binary)
            """
        ) { line in
            guard var f = BinaryRowCursor(line) else { return }
            guard
                let duration = f.withIntegers(
                    7,
                    { v in
                        FactEngine.Duration(
                            day: Int32(v[0]), titleID: Int32(v[1]), device: Int16(v[2]), region: Int16(v[3]), audience: Int16(v[4]),
                            watched: Int32(v[5]), plays: Int32(v[6]))
                    })
            else { throw unreadable }
            try body(duration)
        }
    }

    /// Appends the new rows of days from `first` on (binary COPY): older days are the history of a
    /// first load, whose private state is never kept. `people` gives the person key of each row's slot.
    func append(rows: ArraySlice<FactEngine.Row>, durations: ArraySlice<FactEngine.Duration>, people: [Int32], from first: Day) throws {
        let first = first.daysSince1970
        try warehouse.copyInBinary(
            """
            copy private.activity (day, title_id, person_key, device_key, region_key, audience_key, plays, completed_plays,
                                   watch_seconds, thumbs_up, thumbs_down) from stdin with (format binary)
            """
        ) { writer in
            for r in rows where r.day >= first {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 11, to: &line)
                    CopyBinary.append(Day(daysSince1970: r.day), to: &line)
                    CopyBinary.appendInt32(r.titleID, to: &line)
                    CopyBinary.appendInt32(people[Int(r.person)], to: &line)
                    CopyBinary.appendInt16(r.device, to: &line)
                    CopyBinary.appendInt16(r.region, to: &line)
                    CopyBinary.appendInt16(r.audience, to: &line)
                    CopyBinary.appendInt32(r.plays, to: &line)
                    CopyBinary.appendInt32(r.completedPlays, to: &line)
                    CopyBinary.appendInt64(r.watchSeconds, to: &line)
                    CopyBinary.appendInt32(r.thumbsUp, to: &line)
                    CopyBinary.appendInt32(r.thumbsDown, to: &line)
                }
            }
        }
        try warehouse.copyInBinary(
            """
            copy private.play_durations (day, title_id, device_key, region_key, audience_key, watched_seconds, plays)
            from stdin with (format binary)
            """
        ) { writer in
            for d in durations where d.day >= first {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 7, to: &line)
                    CopyBinary.append(Day(daysSince1970: d.day), to: &line)
                    CopyBinary.appendInt32(d.titleID, to: &line)
                    CopyBinary.appendInt16(d.device, to: &line)
                    CopyBinary.appendInt16(d.region, to: &line)
                    CopyBinary.appendInt16(d.audience, to: &line)
                    CopyBinary.appendInt32(d.watched, to: &line)
                    CopyBinary.appendInt32(d.plays, to: &line)
                }
            }
        }
    }

    /// Stages the pseudonyms of erased profiles, whose state `purge` removes.
    func stageErasures(_ pseudonyms: [[UInt8]]) throws {
        try warehouse.execute("create temporary table stage_erasures (pseudonym bytea not null) on commit drop")
        guard !pseudonyms.isEmpty else { return }
        try warehouse.copyInBinary("copy pg_temp.stage_erasures from stdin with (format binary)") { writer in
            for pseudonym in pseudonyms {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 1, to: &line)
                    CopyBinary.appendBytes(pseudonym, to: &line)
                }
            }
        }
    }

    /// Deletes state older than `cutoff` and every row of the staged erasures; returns the number
    /// of activity rows deleted.
    func purge(before cutoff: Day) throws -> Int {
        try warehouse.query("select etl.purge($1)", [cutoff]).scalar(as: Int.self)
    }
}
