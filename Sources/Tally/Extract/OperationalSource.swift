import Foundation
import Logging

/// The loader's read-only view of the operational database, through a `tally_etl_reader` login:
/// every read of the source happens here. All reads of one run happen in one REPEATABLE READ
/// transaction, so they share one snapshot. Rows leave as the source sent them; validation,
/// pseudonymisation and aggregation are the Transform stage's.
struct OperationalSource {
    let connection: PostgresConnection

    /// Connects, and refuses a login that could read PII (`SourceCapabilityCheck`).
    static func open(conninfo: String, logger: Logger) throws -> OperationalSource {
        let connection = try PostgresConnection.connect(conninfo, applicationName: "tally load (extract)", logger: logger)
        do {
            try SourceCapabilityCheck.verify(connection)
        } catch {
            connection.close()
            throw error
        }
        return OperationalSource(connection: connection)
    }

    /// Opens the run's snapshot and returns it with the source clock.
    func beginSnapshot() throws -> (snapshot: String, time: Date) {
        try connection.execute("begin isolation level repeatable read read only")
        let row = try connection.query("select pg_current_snapshot()::text, now()")[0]
        return (try row.decode(0), try row.decode(1))
    }

    /// Whether the transaction ids of the source went back behind `previous` (a restore, or a
    /// failover to a lagging replica): new rows would then look already loaded.
    func isBehind(_ previous: String, snapshot: String) throws -> Bool {
        try connection.query(
            "select pg_snapshot_xmax($1::pg_snapshot) > pg_snapshot_xmax($2::pg_snapshot)", [previous, snapshot]
        ).scalar(as: Bool.self)
    }

    /// The one rule for "new since the last load": a row is new when the transaction that wrote it
    /// (`load_xid`) was not visible in the previous run's snapshot. Every row when there is none.
    /// `snapshot` is a SQL expression of type pg_snapshot.
    static func isNew(_ alias: String, since snapshot: String?) -> String {
        guard let snapshot else { return "true" }
        return "\(alias).load_xid >= pg_snapshot_xmin(\(snapshot)) and not pg_visible_in_snapshot(\(alias).load_xid, \(snapshot))"
    }

    /// What an extract reads: the rows new since `previous`, days counted in `businessTimeZone`, and
    /// events after `latestEventTime` flagged as in the future.
    struct Window {
        var previous: String?
        var businessTimeZone: String
        var latestEventTime: Date
        /// Only rows of these days (history is read a span of months at a time).
        var days: ClosedRange<Day>?
        /// No rows of these days (read in full by the same run's history spans).
        var skipping: ClosedRange<Day>?
        /// Only rows visible in this snapshot: set when a run resumes a history load that an
        /// earlier process began in this snapshot, so that it reads what that process would have.
        var through: String?
    }

    /// The extract's statements, run in the run's snapshot.
    /// - `profiles`: the attributes of every profile with a new row (on the first load, of every
    ///   profile: nearly all have rows, and finding them would cost a pass over all events), and
    ///   whether it was erased;
    /// - `plays`: every new playback row: id, profile, title and day (days since 1970 in the
    ///   business time zone) packed as `title << 32 | day`, device type and country as stored,
    ///   watched seconds, completed and whether it lies in the future (beyond the tolerance) packed
    ///   as `watched * 4 + completed * 2 + future`, and ingestion time;
    /// - `ratings`: every new rating: id, profile, title and day, `thumb * 2 + future`, ingestion time.
    /// Rows come in COPY binary with their columns as stored, and device types and countries are
    /// normalised by the source once per distinct value (`normalised`). The source's share of a
    /// load is one scan and the sending of each field, which costs it more than integer arithmetic:
    /// hence the packing (bench/RESULTS.md).
    static func extractSQL(_ window: Window, quote: (String) throws -> String) throws -> (profiles: String, plays: String, ratings: String) {
        let zone = try quote(window.businessTimeZone)
        let snapshot = try window.previous.map { "\(try quote($0))::pg_snapshot" }
        func titleDay(_ title: String, _ at: String) -> String {
            // <<, | and & share one precedence in PostgreSQL, left to right: hence every parenthesis.
            "(\(title)::int8 << 32) | (((\(at) at time zone \(zone))::date - date '1970-01-01') & 4294967295)"
        }
        let latest = "timestamptz \(try quote(PostgresTimestamp.format(window.latestEventTime)))"
        let through = try window.through.map { "\(try quote($0))::pg_snapshot" }
        func between(_ at: String, _ days: ClosedRange<Day>) throws -> String {
            "(\(at) at time zone \(zone))::date between date \(try quote(days.lowerBound.description)) and date \(try quote(days.upperBound.description))"
        }
        /// `between`, after a test of the instant against the days' bounds widened by two days
        /// (no zone's offset has changed by more than one), which the server folds to constants:
        /// a span reads only the rows near its days through the zone's rules, not every row
        /// (bench/RESULTS.md).
        func within(_ at: String, _ days: ClosedRange<Day>) throws -> String {
            // Two days before 0001-01-01, or after timestamp's last year, PostgreSQL has no date.
            guard days.lowerBound.civil.year > 1, days.upperBound.civil.year < 294_276 else { return try between(at, days) }
            let from = try quote(days.lowerBound.advanced(by: -2).description)
            let to = try quote(days.upperBound.advanced(by: 3).description)
            return "\(at) >= date \(from)::timestamp at time zone \(zone) and \(at) < date \(to)::timestamp at time zone \(zone) and \(try between(at, days))"
        }
        /// The rows of the window: new, visible in `through`, in `days` and not in `skipping`.
        func rows(_ alias: String, _ at: String) throws -> String {
            var conditions = [isNew(alias, since: snapshot)]
            if let through { conditions.append("pg_visible_in_snapshot(\(alias).load_xid, \(through))") }
            if let days = window.days { conditions.append(try within(at, days)) }
            if let skipping = window.skipping { conditions.append("not \(try between(at, skipping))") }
            return conditions.joined(separator: " and ")
        }
        let profiles = """
            copy (
                select p.profile_id, p.is_kids, p.plan, upper(p.country_code::text), p.age_band,
                       exists (select 1 from etl.erasures x where x.profile_id = p.profile_id)
                from etl.profile_attributes p
                \(snapshot == nil ? "" : """
                where p.profile_id in (select e.profile_id from app.playback_events e where \(isNew("e", since: snapshot))
                                       union all select r.profile_id from app.ratings r where \(isNew("r", since: snapshot)))
                """)
            ) to stdout
            """
        let plays = """
            copy (
                select e.event_id, e.profile_id, \(titleDay("e.title_id", "e.started_at")), e.device_type, e.country_code,
                       e.watched_seconds::int8 * 4 + e.completed::int * 2 + (e.started_at > \(latest))::int, e.ingested_at
                from app.playback_events e where \(try rows("e", "e.started_at"))
            ) to stdout with (format binary)
            """
        let ratings = """
            copy (
                select r.rating_id, r.profile_id, \(titleDay("r.title_id", "r.rated_at")),
                       r.thumb::int8 * 2 + (r.rated_at > \(latest))::int, r.ingested_at
                from app.ratings r where \(try rows("r", "r.rated_at"))
            ) to stdout with (format binary)
            """
        return (profiles, plays, ratings)
    }

    /// Streams the new rows of the snapshot: first each profile row (COPY text) to `profile`, then
    /// each play and rating row (COPY binary, header and trailer included) to `event`.
    func extract(
        _ window: Window, profile: (UnsafeRawBufferPointer) throws -> Void,
        event: (_ row: UnsafeRawBufferPointer, _ isPlay: Bool) throws -> Void
    ) throws {
        let sql = try Self.extractSQL(window, quote: connection.escapeLiteral)
        // The per-profile erasure check makes the planner's estimate for this small statement big
        // enough to compile it with JIT, which costs more than it saves (0.3 s of 0.5 s at 50,000
        // profiles). The rows statement keeps JIT: it is worth it there.
        try connection.execute("set local jit = off")
        try connection.copyOut(sql.profiles, profile)
        try connection.execute("reset jit")
        try connection.copyOut(sql.plays) { try event($0, true) }
        try connection.copyOut(sql.ratings) { try event($0, false) }
    }

    /// The planner's estimate of the rows of both event tables (from the last ANALYZE); nil when
    /// they were never analysed.
    func estimatedEvents() throws -> Double? {
        try connection.query(
            "select sum(reltuples)::float8 from pg_class where oid in ('app.playback_events'::regclass, 'app.ratings'::regclass) and reltuples >= 0 having count(*) = 2"
        ).rows.first?.decode(0, as: Double.self)
    }

    /// The rows of both event tables per month (days counted in `businessTimeZone`), in order: one
    /// `group by` per table.
    func eventsPerMonth(businessTimeZone: String) throws -> [(month: Day, rows: Int)] {
        try connection.query(
            """
            select month, sum(rows)::int8 from (
                select date_trunc('month', started_at at time zone $1)::date as month, count(*) as rows from app.playback_events group by 1
                union all
                select date_trunc('month', rated_at at time zone $1)::date, count(*) from app.ratings group by 1
            ) counts group by month order by month
            """, [businessTimeZone]
        ).rows.map { (try $0.decode(0, as: Day.self), try $0.decode(1, as: Int.self)) }
    }

    /// Of the given row ids, those of rows on `days` (and visible in `through`, when given).
    func rows(
        on days: ClosedRange<Day>, among ids: (plays: [Int], ratings: [Int]), businessTimeZone: String, through: String?
    ) throws -> (plays: [Int], ratings: [Int]) {
        func select(_ table: String, _ id: String, _ at: String, _ among: [Int]) throws -> [Int] {
            guard !among.isEmpty else { return [] }
            return try connection.query(
                """
                select r.\(id) from \(table) r where r.\(id) = any($1::int8[])
                and (r.\(at) at time zone $2)::date between $3 and $4
                and ($5::text is null or pg_visible_in_snapshot(r.load_xid, $5::pg_snapshot))
                """, [PostgresArray(among), businessTimeZone, days.lowerBound, days.upperBound, through]
            ).rows.map { try $0.decode(0, as: Int.self) }
        }
        return (
            try select("app.playback_events", "event_id", "started_at", ids.plays), try select("app.ratings", "rating_id", "rated_at", ids.ratings)
        )
    }

    /// Device types lower-cased by the source, under its own locale, in the order given.
    func normalisedDeviceTypes(_ values: [String]) throws -> [String] { try normalised(values, "lower(v)") }

    /// Country codes upper-cased and trimmed by the source, under its own locale, in the order given.
    func normalisedCountries(_ values: [String]) throws -> [String] { try normalised(values, "upper(rtrim(v))") }

    /// Distinct values normalised by the source, in order. (The extract once applied these
    /// expressions to every row; once per distinct value gives the same texts.)
    private func normalised(_ values: [String], _ expression: String) throws -> [String] {
        guard !values.isEmpty else { return [] }
        let json = String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
        return try connection.query(
            "select \(expression) from json_array_elements_text($1::json) with ordinality t (v, i) order by i", [json]
        ).rows.map { try $0.decode(0, as: String.self) }
    }

    /// The error for a row that does not have the shape the extract's statements give.
    static let unexpectedRow = LoadError(
        code: .schema,
        message: "the extract returned a row tally cannot read; the operational views may not match this version of tally")

    /// Streams the catalogue as COPY text rows: id, name, kind, series, genre, release year, runtime, updated at.
    func readTitles(_ row: (UnsafeRawBufferPointer) throws -> Void) throws {
        try connection.copyOut(
            "copy (select title_id, name, kind, series_name, genre, release_year, runtime_seconds, updated_at from app.titles) to stdout",
            row)
    }

    /// Profiles of accounts erased since `since`, whose private state could still exist.
    func erasedProfiles(since: Date) throws -> [String] {
        try connection.query(
            "select profile_id::text from etl.erasures where profile_id is not null and deleted_at >= $1", [since]
        ).rows.map { try $0.decode(0, as: String.self) }
    }

    /// Seconds since the oldest row not yet loaded (new since `watermark`) was ingested; 0 when
    /// nothing waits.
    func oldestPendingAge(since watermark: String?) throws -> Double {
        let snapshot = try watermark.map { "\(try connection.escapeLiteral($0))::pg_snapshot" }
        let oldest = try connection.query(
            """
            select extract(epoch from now() - min(ingested_at))::float8 from (
                select ingested_at from app.playback_events e where \(Self.isNew("e", since: snapshot))
                union all select ingested_at from app.ratings r where \(Self.isNew("r", since: snapshot))
            ) pending
            """
        ).scalar(as: Double?.self)
        return max(0, oldest ?? 0)
    }

    /// Ends the snapshot and closes the connection.
    func finish() {
        _ = try? connection.execute("commit")
        connection.close()
    }
}
