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

    /// The extract: one COPY that streams three kinds of rows, tagged in the first field.
    /// - `A`: activity aggregated per profile, day, title and segment (valid rows only);
    /// - `D`: plays counted per day, title, segment and watched second (capped at 600), for skips;
    /// - `R`: a rejected source row: source, id, reason;
    /// - `M`: one row of totals: source rows read and the oldest ingestion time among them.
    static func extractSQL(previous: String?, settings: LoadSettings, sourceTime: Date, quote: (String) throws -> String) throws -> String {
        let zone = try quote(settings.businessTimeZone)
        let snapshot = try previous.map { "\(try quote($0))::pg_snapshot" }
        func newSince(_ alias: String) -> String {
            guard let snapshot else { return "true" }
            return "\(alias).load_xid >= pg_snapshot_xmin(\(snapshot)) and not pg_visible_in_snapshot(\(alias).load_xid, \(snapshot))"
        }
        let now = try quote(TimestampText.format(sourceTime))
        return """
            copy (
                with source as materialized (
                    select 'playback'::text as source, e.event_id as id, e.profile_id, e.title_id, e.started_at as at,
                           e.watched_seconds, e.completed, lower(e.device_type) as device_type, upper(e.country_code::text) as country_code,
                           null::smallint as thumb, e.ingested_at
                    from app.playback_events e where \(newSince("e"))
                    union all
                    select 'rating', r.rating_id, r.profile_id, r.title_id, r.rated_at, null, null, 'unknown', null, r.thumb, r.ingested_at
                    from app.ratings r where \(newSince("r"))
                ), checked as materialized (
                    select s.*, p.is_kids, p.plan, coalesce(s.country_code, upper(p.country_code::text)) as country,
                           p.age_band, (s.at at time zone \(zone))::date as day,
                           case
                               when p.profile_id is null then 'unknown_profile'
                               when exists (select 1 from etl.erasures x where x.profile_id = s.profile_id) then 'erased_profile'
                               when s.source = 'playback' and s.watched_seconds < 0 then 'negative_duration'
                               when s.source = 'playback' and s.watched_seconds > \(settings.maxWatchSeconds) then 'absurd_duration'
                               when s.source = 'rating' and s.thumb not in (-1, 1) then 'invalid_thumb'
                               when s.at > \(now)::timestamptz + interval '\(settings.lateToleranceSeconds) seconds' then 'future_timestamp'
                               when (s.at at time zone \(zone))::date < \(try quote(settings.serviceStart.description))::date then 'before_service_start'
                               when (s.at at time zone \(zone))::date < (\(now)::timestamptz at time zone \(zone))::date - \(settings.retentionDays) then 'beyond_retention'
                           end as reason
                    from source s left join etl.profile_attributes p on p.profile_id = s.profile_id
                )
                select 'A', profile_id::text, day::text, title_id::text, device_type, country, age_band, plan, is_kids::text,
                       (count(*) filter (where source = 'playback'))::text, (count(*) filter (where completed))::text,
                       coalesce(sum(watched_seconds), 0)::text, (count(*) filter (where thumb = 1))::text,
                       (count(*) filter (where thumb = -1))::text, null
                from checked where reason is null
                group by profile_id, day, title_id, device_type, country, age_band, plan, is_kids
                union all
                select 'D', null, day::text, title_id::text, device_type, country, age_band, plan, is_kids::text,
                       count(*)::text, '0', '0', '0', '0', least(watched_seconds, 600)::text
                from checked where reason is null and source = 'playback'
                group by day, title_id, device_type, country, age_band, plan, is_kids, least(watched_seconds, 600)
                union all
                select 'R', source, id::text, reason, null, null, null, null, null, null, null, null, null, null, null
                from checked where reason is not null
                union all
                select 'M', count(*)::text, min(ingested_at)::text, null, null, null, null, null, null, null, null, null, null, null, null
                from source
            ) to stdout
            """
    }

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
