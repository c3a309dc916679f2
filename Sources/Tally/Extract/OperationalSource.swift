import Foundation
import Logging

/// The loader's read-only view of the operational database, through a `tally_etl_reader` login.
/// All reads of one run happen in one REPEATABLE READ transaction, so they share one snapshot.
struct OperationalSource {
    let connection: PostgresConnection

    /// PII columns of the source contract, checked when the catalogue itself is not readable.
    static let contractPIIColumns = [
        ("app.accounts", "email"), ("app.accounts", "full_name"), ("app.accounts", "date_of_birth"),
        ("app.profiles", "display_name"), ("app.playback_events", "ip_address"), ("app.playback_events", "user_agent"),
    ]

    /// Connects and refuses a connection that could read PII: superuser, BYPASSRLS, or SELECT on any
    /// catalogued PII column. Privacy must hold in the database, not only in the queries we send.
    static func open(conninfo: String, logger: Logger) throws -> OperationalSource {
        let connection = try PostgresConnection.connect(conninfo, applicationName: "tally load (extract)", logger: logger)
        let role = try connection.query("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")[0]
        let fix = "Connect the operational side as a login that is a member of tally_etl_reader only, e.g. create role tally_etl login password '...' in role tally_etl_reader."
        if try role.decode(0, as: Bool.self) {
            throw LoadError(code: .configuration, message: "the operational connection logs in as \(connection.user), a superuser, which can read PII. \(fix)")
        }
        if try role.decode(1, as: Bool.self) {
            throw LoadError(code: .configuration, message: "the operational connection logs in as \(connection.user), which has BYPASSRLS and so could read every row. \(fix)")
        }
        var candidates = Self.contractPIIColumns.map { "('\($0.0.split(separator: ".")[0])', '\($0.0.split(separator: ".")[1])', '\($0.1)')" }
            .joined(separator: ", ")
        candidates = "select * from (values \(candidates)) v (table_schema, table_name, column_name)"
        let catalogueReadable = try connection.query(
            "select to_regclass('privacy.column_classification') is not null and has_table_privilege('privacy.column_classification', 'select')"
        ).scalar(as: Bool.self)
        if catalogueReadable {
            candidates += " union select table_schema, table_name, column_name from privacy.column_classification where class = 'pii'"
        }
        // A column is readable only through a schema the login may use; checking it first keeps
        // has_column_privilege from failing on schemas (audit, privacy) the loader cannot enter.
        let readable = try connection.query("""
            select format('%s.%s.%s', table_schema, table_name, column_name) from (\(candidates)) c
            where case when has_schema_privilege(table_schema, 'usage')
                        and to_regclass(format('%I.%I', table_schema, table_name)) is not null
                       then has_column_privilege(format('%I.%I', table_schema, table_name), column_name, 'select')
                       else false end
            order by 1
            """).rows.map { try $0.decode(0, as: String.self) }
        if let column = readable.first {
            throw LoadError(code: .configuration, message: "the operational connection (\(connection.user)) can read the PII column \(column)\(readable.count > 1 ? " and \(readable.count - 1) more" : ""). Revoke it, or use a login that is only in tally_etl_reader.")
        }
        return OperationalSource(connection: connection)
    }

    /// Opens the run's snapshot and returns it with the source clock.
    func beginSnapshot() throws -> (snapshot: String, time: Date) {
        try connection.execute("begin isolation level repeatable read read only")
        let row = try connection.query("select pg_current_snapshot()::text, now()")[0]
        return (try row.decode(0), try row.decode(1))
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
    /// Rows come in COPY binary with their columns as stored: validation and aggregation
    /// (`ActivityBatch`) happen after the source has sent them, and device types and countries are
    /// normalised by the source once per distinct value (`normalised`). The source's share of a
    /// load is one scan and the sending of each field, which costs it more than integer arithmetic:
    /// hence the packing (bench/RESULTS.md).
    static func extractSQL(previous: String?, settings: LoadSettings, sourceTime: Date, quote: (String) throws -> String) throws -> (profiles: String, plays: String, ratings: String) {
        let zone = try quote(settings.businessTimeZone)
        let snapshot = try previous.map { "\(try quote($0))::pg_snapshot" }
        func newSince(_ alias: String) -> String {
            guard let snapshot else { return "true" }
            return "\(alias).load_xid >= pg_snapshot_xmin(\(snapshot)) and not pg_visible_in_snapshot(\(alias).load_xid, \(snapshot))"
        }
        func titleDay(_ title: String, _ at: String) -> String {
            // <<, | and & share one precedence in PostgreSQL, left to right: hence every parenthesis.
            "(\(title)::int8 << 32) | (((\(at) at time zone \(zone))::date - date '1970-01-01') & 4294967295)"
        }
        let latest = "timestamptz \(try quote(TimestampText.format(sourceTime.addingTimeInterval(Double(settings.lateToleranceSeconds)))))"
        let profiles = """
            copy (
                select p.profile_id, p.is_kids, p.plan, upper(p.country_code::text), p.age_band,
                       exists (select 1 from etl.erasures x where x.profile_id = p.profile_id)
                from etl.profile_attributes p
                \(previous == nil ? "" : """
                where p.profile_id in (select e.profile_id from app.playback_events e where \(newSince("e"))
                                       union all select r.profile_id from app.ratings r where \(newSince("r")))
                """)
            ) to stdout
            """
        let plays = """
            copy (
                select e.event_id, e.profile_id, \(titleDay("e.title_id", "e.started_at")), e.device_type, e.country_code,
                       e.watched_seconds::int8 * 4 + e.completed::int * 2 + (e.started_at > \(latest))::int, e.ingested_at
                from app.playback_events e where \(newSince("e"))
            ) to stdout with (format binary)
            """
        let ratings = """
            copy (
                select r.rating_id, r.profile_id, \(titleDay("r.title_id", "r.rated_at")),
                       r.thumb::int8 * 2 + (r.rated_at > \(latest))::int, r.ingested_at
                from app.ratings r where \(newSince("r"))
            ) to stdout with (format binary)
            """
        return (profiles, plays, ratings)
    }

    /// Streams the new rows of the snapshot into an `ActivityBatch`, replacing each profile id by
    /// its pseudonym. Rejects keep the source, id and reason only. Rows of days before `cutoff`
    /// (days since 1970: the retention cutoff) are rejected as beyond retention.
    func extract(
        previous: String?, settings: LoadSettings, sourceTime: Date, cutoff: Int32, pseudonymiser: Pseudonymiser,
        progress: ((String) -> Void)? = nil
    ) throws -> ActivityBatch {
        let sql = try Self.extractSQL(previous: previous, settings: settings, sourceTime: sourceTime, quote: connection.escapeLiteral)
        let serviceStart = TimestampText.daysFromCivil(year: settings.serviceStart.year, month: settings.serviceStart.month, day: settings.serviceStart.day)
        var batch = ActivityBatch(rules: ActivityBatch.Rules(
            maxWatchSeconds: Int64(settings.maxWatchSeconds), serviceStartDay: Int64(serviceStart), firstRetainedDay: Int64(cutoff)))
        // The per-profile erasure check makes the planner's estimate for this small statement big
        // enough to compile it with JIT, which costs more than it saves (0.3 s of 0.5 s at 50,000
        // profiles). The rows statement keeps JIT: it is worth it there.
        try connection.execute("set local jit = off")
        try connection.copyOut(sql.profiles) { row in
            let fields = CopyText.parseRow(row)
            guard fields.count == 6, let idText = fields[0], let id = UUIDText(idText) else { throw Self.unexpected }
            func text(_ i: Int) -> String? { fields[i].map { String(decoding: $0, as: UTF8.self) } }
            batch.addProfile(id: id, pseudonym: pseudonymiser.pseudonym(of: idText), isKids: text(1) == "t", plan: text(2) ?? "unknown",
                             country: fields[3] ?? [], ageBand: text(4) ?? "unknown", isErased: text(5) == "t")
        }
        try connection.execute("reset jit")
        let started = Date()
        for (statement, isPlay) in [(sql.plays, true), (sql.ratings, false)] {
            try connection.copyOut(statement) { row in
                guard batch.add(row, isPlay: isPlay) else { throw Self.unexpected }
                if let progress, batch.rowsRead % 100_000 == 0 {
                    progress("extracting: \(batch.rowsRead) rows (\(Int(Double(batch.rowsRead) / max(Date().timeIntervalSince(started), 0.001))) rows/s)")
                }
            }
        }
        batch.finish()
        batch.normalise(deviceTypes: try normalised(batch.rawDeviceTypes, "lower(v)"), countries: try normalised(batch.rawCountries, "upper(rtrim(v))"))
        return batch
    }

    /// Distinct values normalised by the source, under its own locale, in order. (The extract once
    /// applied these expressions to every row; once per distinct value gives the same texts.)
    private func normalised(_ values: [String], _ expression: String) throws -> [String] {
        guard !values.isEmpty else { return [] }
        let json = String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
        return try connection.query(
            "select \(expression) from json_array_elements_text($1::json) with ordinality t (v, i) order by i", [json]
        ).rows.map { try $0.decode(0, as: String.self) }
    }

    static let unexpected = LoadError(code: .schema, message: "the extract returned a row tally cannot read; the operational views may not match this version of tally")

    static let titlesSQL = """
        copy (select title_id, name, kind, series_name, genre, release_year, runtime_seconds, updated_at from app.titles) to stdout
        """

    /// Profiles of accounts erased within the window whose private state could still exist.
    func erasedProfiles(since: Date) throws -> [String] {
        try connection.query(
            "select profile_id::text from etl.erasures where profile_id is not null and deleted_at >= $1", [since]
        ).rows.map { try $0.decode(0, as: String.self) }
    }

    func finish() {
        _ = try? connection.execute("commit")
        connection.close()
    }
}
