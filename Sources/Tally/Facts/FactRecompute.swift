import CMalloc
import Foundation
import Logging

/// The warehouse side of a recompute, inside the load's transaction: new segment dimension members,
/// private state appended and read back, and the facts of the scope replaced.
struct FactRecompute {
    let warehouse: PostgresConnection
    let settings: LoadSettings
    /// Receives each step's time at debug level.
    let logger: Logger

    /// Appends `batch` (if any) to private state, then recomputes the facts of its days and of
    /// `days`, with everything that depends on them. `cutoff` is the first day private state still
    /// covers in full. Returns the number of days recomputed. The batch is consumed (set to nil)
    /// as soon as its rows are in the engine's form, to keep memory to one copy of them.
    func run(batch: inout ActivityBatch?, days: [Int32], cutoff: Int32) throws -> Int {
        let started = Date()
        func done(_ step: String) { logger.debug("recompute step", metadata: ["step": "\(step)", "seconds": "\(Date().timeIntervalSince(started))"]) }
        let segmentKeys = try batch.map { try mergeSegments($0) } ?? []
        var touched = Set(days)
        if let batch { batch.forEachActivity { key, _ in touched.insert(key.day) } }
        guard !touched.isEmpty else { return 0 }

        // The last day with any private state: a later one than this run's, if stored.
        let newest = touched.max()!
        let stored = try warehouse.query(
            "select (max(day) - date '1970-01-01')::int from private.activity where day > date '1970-01-01' + $1::int", [Int(newest)]
        ).scalar(as: Int?.self)
        let lastDay = max(Int32(stored ?? Int(newest)), newest)
        let scope = FactEngine.Scope(days: Array(touched), cutoff: cutoff, lastDay: lastDay, streakMax: settings.streakMaxDays)
        guard !scope.days.isEmpty else { return 0 }
        try warehouse.query("select etl.ensure_days($1::date, $2::date)", [
            Days.text(Days.month(of: scope.days[0]).0),
            Days.text(max(scope.days.last! + Int32(settings.streakMaxDays), lastDay)),
        ])

        // What is stored already, then this run's rows, which are appended after being read.
        var persons = Persons()
        var state = try readState(scope.stateDays, persons: &persons)
        let stateRows = state.rows.count
        let stateDurations = state.durations.count
        if var new = batch {
            batch = nil
            let slots = try mergePeople(new).map { $0 < 0 ? -1 : persons.slot(of: $0) }
            state.rows.reserveCapacity(state.rows.count + new.activityCount)
            new.drainActivity { key, m in
                let s = segmentKeys[Int(key.segment)]
                state.rows.append(FactEngine.Row(
                    person: slots[Int(key.profile)], day: key.day, titleID: key.title, device: s.device, region: s.region, audience: s.audience,
                    plays: m.plays, completedPlays: m.completedPlays, watchSeconds: m.watchSeconds, thumbsUp: m.thumbsUp, thumbsDown: m.thumbsDown))
            }
            for (key, plays) in zip(new.durations.keys, new.durations.values) {
                let s = segmentKeys[Int(key.segment)]
                state.durations.append(FactEngine.Duration(
                    day: key.day, titleID: key.title, device: s.device, region: s.region, audience: s.audience, watched: key.watchedSeconds, plays: plays))
            }
        }
        #if canImport(Glibc)
        // The batch's many small arrays were freed into malloc's heap, which keeps them; give them
        // back before the engine's large allocations, or the peak counts them twice.
        malloc_trim(0)
        #endif

        done("state read")
        let lastNeeded = max(scope.stateDays.last?.upperBound ?? lastDay, lastDay)
        let engine = FactEngine(
            rows: state.rows, durations: state.durations, versions: try titleVersions(),
            endOfDay: try endsOfDays(min(scope.stateDays.first?.lowerBound ?? scope.days[0], scope.days[0])...lastNeeded),
            skipSeconds: Int32(settings.skipSeconds), streakMax: settings.streakMaxDays, lastDay: lastDay)
        // The server stores the new rows, then replaces the facts stage by stage, while the facts are
        // computed here: one connection, so one transaction, busy all along.
        let writer = SerialWork()
        try writer.submit { [state, persons] in
            try append(rows: state.rows[stateRows...], durations: state.durations[stateDurations...], people: persons.keys)
            done("private state appended")
            try deleteFacts(scope)
        }
        // A failed write (or an interrupt) stops the computing at the next stage.
        let computed = Result { try engine.compute(scope) { facts in try writer.submit { try write(facts) } } }
        done("facts computed")
        try writer.finish()
        try computed.get()
        done("facts written")
        return scope.days.count
    }

    /// Small numbers for the persons of a recompute (the engine's slots), in order of first
    /// appearance, for their private.people keys.
    struct Persons {
        private var map = FlatMap<Int32, Void>()

        /// The person key of each slot.
        var keys: [Int32] { map.keys }

        mutating func slot(of key: Int32) -> Int32 {
            Int32(map.index(of: key, inserting: ()))
        }
    }

    /// Gives each profile of the batch with activity its private.people key (new pseudonyms get
    /// new keys, and last_day moves on) and returns the key of every batch profile, -1 for
    /// profiles without activity.
    private func mergePeople(_ batch: ActivityBatch) throws -> [Int32] {
        var lastDay = [Int32](repeating: .min, count: batch.profiles.count)
        batch.forEachActivity { k, _ in lastDay[Int(k.profile)] = max(lastDay[Int(k.profile)], k.day) }
        var keys = [Int32](repeating: -1, count: batch.profiles.count)
        guard lastDay.contains(where: { $0 != .min }) else { return keys }
        try warehouse.execute("""
            create temporary table stage_people (ordinal integer not null, pseudonym bytea not null, last_day date not null) on commit drop
            """)
        try warehouse.copyInBinary("copy pg_temp.stage_people from stdin with (format binary)") { writer in
            for (i, profile) in batch.profiles.enumerated() where lastDay[i] != .min {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 3, to: &line)
                    CopyBinary.appendInt32(Int32(i), to: &line)
                    CopyBinary.appendBytes(profile.pseudonym, to: &line)
                    CopyBinary.appendDate(daysSince1970: lastDay[i], to: &line)
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

    struct SegmentKeys {
        var device: Int16
        var region: Int16
        var audience: Int16
    }

    /// Adds new device, region and audience members for the batch's segments and returns the keys of
    /// each segment, in the batch's segment order.
    private func mergeSegments(_ batch: ActivityBatch) throws -> [SegmentKeys] {
        let segments = batch.segments
        guard !segments.isEmpty else { return [] }
        try warehouse.execute("""
            create temporary table stage_segments (
                ordinal integer not null, device_type text not null, country_code text not null,
                age_band text not null, plan text not null, is_kids boolean not null
            ) on commit drop
            """)
        try warehouse.copyIn("copy pg_temp.stage_segments from stdin") { writer in
            for (i, s) in segments.enumerated() {
                try writer.writeRow([String(i), s.deviceType, s.country, s.ageBand, s.plan, s.isKids ? "t" : "f"])
            }
        }
        try warehouse.execute("select etl.merge_segments()")
        let rows = try warehouse.query("""
            select d.device_key, r.region_key, a.audience_key
            from pg_temp.stage_segments s
            join analytics.dim_device d using (device_type)
            join analytics.dim_region r using (country_code)
            join analytics.dim_audience a using (age_band, plan, is_kids)
            order by s.ordinal
            """).rows
        guard rows.count == segments.count else {
            throw LoadError(code: .schema, message: "new dimension members could not be matched to \(segments.count - rows.count) segments; check analytics.dim_device, dim_region and dim_audience")
        }
        try warehouse.execute("drop table pg_temp.stage_segments")
        return try rows.map { row in
            SegmentKeys(device: Int16(try row.decode(0, as: Int.self)), region: Int16(try row.decode(1, as: Int.self)),
                        audience: Int16(try row.decode(2, as: Int.self)))
        }
    }

    /// Private state of ranges of days, as stored (before this run's rows are added), read by binary COPY.
    private func readState(_ days: [ClosedRange<Int32>], persons: inout Persons) throws -> (rows: [FactEngine.Row], durations: [FactEngine.Duration]) {
        guard !days.isEmpty else { return ([], []) }
        let range = "(" + days.map { "day between '\(Days.text($0.lowerBound))' and '\(Days.text($0.upperBound))'" }.joined(separator: " or ") + ")"
        let unreadable = LoadError(code: .schema, message: "private state could not be read back; the warehouse may not match this version of tally (run tally migrate status --db warehouse)")
        var rows: [FactEngine.Row] = []
        try warehouse.copyOut("""
            copy (select day - date '1970-01-01', title_id, device_key, region_key, audience_key, plays, completed_plays,
                         watch_seconds, thumbs_up, thumbs_down, person_key
                  from private.activity where \(range)) to stdout with (format binary)
            """) { line in
            guard var f = BinaryRowCursor(line) else { return }
            let v = (0..<11).map { _ in f.nextInteger() ?? 0 }
            guard f.isValid else { throw unreadable }
            rows.append(FactEngine.Row(
                person: persons.slot(of: Int32(v[10])), day: Int32(v[0]), titleID: Int32(v[1]), device: Int16(v[2]), region: Int16(v[3]),
                audience: Int16(v[4]), plays: Int32(v[5]), completedPlays: Int32(v[6]), watchSeconds: v[7], thumbsUp: Int32(v[8]), thumbsDown: Int32(v[9])))
        }
        var durations: [FactEngine.Duration] = []
        try warehouse.copyOut("""
            copy (select day - date '1970-01-01', title_id, device_key, region_key, audience_key, watched_seconds, plays
                  from private.play_durations where \(range)) to stdout with (format binary)
            """) { line in
            guard var f = BinaryRowCursor(line) else { return }
            let v = (0..<7).map { _ in f.nextInteger() ?? 0 }
            guard f.isValid else { throw unreadable }
            durations.append(FactEngine.Duration(
                day: Int32(v[0]), titleID: Int32(v[1]), device: Int16(v[2]), region: Int16(v[3]), audience: Int16(v[4]),
                watched: Int32(v[5]), plays: Int32(v[6])))
        }
        return (rows, durations)
    }

    /// Appends new rows to private.activity and private.play_durations (binary COPY).
    private func append(rows: ArraySlice<FactEngine.Row>, durations: ArraySlice<FactEngine.Duration>, people: [Int32]) throws {
        try warehouse.copyInBinary("""
            copy private.activity (day, title_id, person_key, device_key, region_key, audience_key, plays, completed_plays,
                                   watch_seconds, thumbs_up, thumbs_down) from stdin with (format binary)
            """) { writer in
            for r in rows {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 11, to: &line)
                    CopyBinary.appendDate(daysSince1970: r.day, to: &line)
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
        try warehouse.copyInBinary("""
            copy private.play_durations (day, title_id, device_key, region_key, audience_key, watched_seconds, plays)
            from stdin with (format binary)
            """) { writer in
            for d in durations {
                try writer.writeBinary { line in
                    CopyBinary.appendRowStart(fields: 7, to: &line)
                    CopyBinary.appendDate(daysSince1970: d.day, to: &line)
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

    private func titleVersions() throws -> [Int32: [FactEngine.TitleVersion]] {
        var versions: [Int32: [FactEngine.TitleVersion]] = [:]
        for row in try warehouse.query("""
            select t.title_id, t.title_key, (extract(epoch from t.valid_from) * 1000000)::int8,
                   ceil(least(s.skip_seconds, s.skip_runtime_share * t.runtime_seconds))::int
            from analytics.dim_title t, etl.settings s where t.title_key <> -1
            """).rows {
            versions[Int32(try row.decode(0, as: Int.self)), default: []].append(FactEngine.TitleVersion(
                key: Int32(try row.decode(1, as: Int.self)), validFrom: Int64(try row.decode(2, as: Int.self)),
                skipBelow: Int32(try row.decode(3, as: Int.self))))
        }
        return versions
    }

    /// When each day ends (midnight after it) in the business time zone, by PostgreSQL's zone rules.
    private func endsOfDays(_ days: ClosedRange<Int32>) throws -> [Int32: Int64] {
        var ends: [Int32: Int64] = [:]
        for row in try warehouse.query("""
            select d, (extract(epoch from ((date '1970-01-01' + d + 1)::timestamp at time zone $3)) * 1000000)::int8
            from generate_series($1::int, $2::int) d
            """, [Int(days.lowerBound), Int(days.upperBound), settings.businessTimeZone]).rows {
            ends[Int32(try row.decode(0, as: Int.self))] = Int64(try row.decode(1, as: Int.self))
        }
        return ends
    }

    /// How a fact column is written.
    enum Column {
        case integer
        /// Days since 1970, written as the yyyymmdd dim_date key.
        case dateKey
        /// Days since 1970, written as a date.
        case date
        /// A `Period.Kind` raw value, written as its name.
        case periodKind
    }

    /// Deletes the facts of the scope, before `write` adds them again.
    private func deleteFacts(_ scope: FactEngine.Scope) throws {
        let dayKeys = "{" + scope.days.map { String(Days.dateKey($0)) }.joined(separator: ",") + "}"
        let asOfKeys = "{" + scope.asOf.map { String(Days.dateKey($0)) }.joined(separator: ",") + "}"
        let kinds = "{" + scope.periods.map { "\($0.kind)" }.joined(separator: ",") + "}"
        let starts = "{" + scope.periods.map { Days.text($0.start) }.joined(separator: ",") + "}"
        try warehouse.query("delete from analytics.fact_title_daily where date_key = any ($1::int[])", [dayKeys])
        try warehouse.query("delete from analytics.fact_title_daily_segment where date_key = any ($1::int[])", [dayKeys])
        for table in ["fact_title_period", "fact_period_audience", "fact_coviewing"] {
            try warehouse.query("""
                delete from analytics.\(table) f using unnest($1::text[], $2::date[]) p (kind, start)
                where f.period_kind = p.kind and f.period_start = p.start
                """, [kinds, starts])
        }
        try warehouse.query("delete from analytics.fact_title_streak where as_of_date_key = any ($1::int[])", [asOfKeys])
    }

    /// Adds fact rows of the scope (after `deleteFacts`).
    private func write(_ facts: FactEngine.Facts) throws {
        let measures = "viewers, plays, completed_plays, watch_seconds, thumbs_up, thumbs_down, skips"
        let period: [Column] = [.periodKind, .date]
        try copy("fact_title_daily (date_key, title_key, \(measures))", facts.daily, [.dateKey])
        try copy("fact_title_daily_segment (date_key, title_key, device_key, region_key, audience_key, \(measures))", facts.segments, [.dateKey])
        try copy("fact_title_period (period_kind, period_start, title_key, viewers, plays, watch_seconds, skips)", facts.periods, period)
        try copy("fact_period_audience (period_kind, period_start, viewers)", facts.audiences, period)
        try copy("fact_coviewing (period_kind, period_start, title_a_key, title_b_key, shared_viewers)", facts.coviewing, period)
        try copy("fact_title_streak (as_of_date_key, title_key, streak_days, viewers)", facts.streaks, [.dateKey])
    }

    /// COPYs fact rows in text format; the leading columns are formatted as `leading` says, the rest are integers.
    private func copy(_ table: String, _ rows: FactEngine.FactRows, _ leading: [Column]) throws {
        guard rows.count > 0 else { return }
        var dates: [Int64: [UInt8]] = [:]
        var dateKeys: [Int64: [UInt8]] = [:]
        try warehouse.copyIn("copy analytics.\(table) from stdin") { writer in
            var line: [UInt8] = []
            line.reserveCapacity(256)
            for r in 0..<rows.count {
                line.removeAll(keepingCapacity: true)
                for c in 0..<rows.width {
                    if c > 0 { line.append(UInt8(ascii: "\t")) }
                    let value = rows.values[r * rows.width + c]
                    switch c < leading.count ? leading[c] : .integer {
                    case .integer: Self.appendDecimal(value, to: &line)
                    case .periodKind: line.append(contentsOf: "\(FactEngine.Period.Kind(rawValue: value)!)".utf8)
                    case .date:
                        if dates[value] == nil { dates[value] = Array(Days.text(Int32(value)).utf8) }
                        line.append(contentsOf: dates[value]!)
                    case .dateKey:
                        if dateKeys[value] == nil { dateKeys[value] = Array(String(Days.dateKey(Int32(value))).utf8) }
                        line.append(contentsOf: dateKeys[value]!)
                    }
                }
                line.append(UInt8(ascii: "\n"))
                try writer.write(line)
            }
        }
    }

    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var v = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[n] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                n += 1
            } while v > 0
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }
}

/// Runs jobs one after another, in the order submitted, on a thread of its own while the caller
/// goes on. After a job fails the rest are skipped and `submit` throws the failure, so the caller
/// can stop early; `finish()` waits for the jobs and rethrows the first failure. Jobs must not
/// share mutable state with the caller.
final class SerialWork: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() throws -> Void] = []
    private var isClosed = false
    private var failure: Error?
    private let done = DispatchSemaphore(value: 0)

    init() {
        Thread { [self] in run() }.start()
    }

    func submit(_ job: @escaping () throws -> Void) throws {
        condition.lock()
        if let failure {
            condition.unlock()
            throw failure
        }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Waits for every job submitted and rethrows the first failure. Call it exactly once.
    func finish() throws {
        condition.lock()
        isClosed = true
        condition.signal()
        condition.unlock()
        done.wait()
        if let failure { throw failure }
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !isClosed { condition.wait() }
            guard !jobs.isEmpty else {
                condition.unlock()
                break
            }
            let job = jobs.removeFirst()
            let skip = failure != nil
            condition.unlock()
            guard !skip else { continue }
            do { try job() } catch {
                condition.lock()
                failure = error
                condition.unlock()
            }
        }
        done.signal()
    }
}
