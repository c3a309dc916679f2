/// Refuses an operational login that could read PII: a superuser, a role with BYPASSRLS, or one
/// with SELECT on any catalogued PII column. Privacy must hold in the database, not only in the
/// queries tally happens to send.
enum SourceCapabilityCheck {
    /// PII columns of the source contract, checked even when the catalogue itself is not readable.
    static let contractPIIColumns = [
        ("app", "accounts", "email"), ("app", "accounts", "full_name"), ("app", "accounts", "date_of_birth"),
        ("app", "profiles", "display_name"), ("app", "playback_events", "ip_address"), ("app", "playback_events", "user_agent"),
    ]

    /// Throws a configuration error naming what the login can do and how to fix it.
    static func verify(_ connection: PostgresConnection) throws {
        let role = try connection.query("select rolsuper, rolbypassrls from pg_roles where rolname = current_user")[0]
        let fix =
            "Connect the operational side as a login that is a member of tally_etl_reader only, e.g. create role tally_etl login password '...' in role tally_etl_reader."
        if try role.decode(0, as: Bool.self) {
            throw LoadError(
                code: .configuration, message: "the operational connection logs in as \(connection.user), a superuser, which can read PII. \(fix)")
        }
        if try role.decode(1, as: Bool.self) {
            throw LoadError(
                code: .configuration,
                message: "the operational connection logs in as \(connection.user), which has BYPASSRLS and so could read every row. \(fix)")
        }
        var candidates =
            "select * from (values "
            + contractPIIColumns.map { "('\($0.0)', '\($0.1)', '\($0.2)')" }.joined(separator: ", ")
            + ") v (table_schema, table_name, column_name)"
        let catalogueReadable = try connection.query(
            "select to_regclass('privacy.column_classification') is not null and has_table_privilege('privacy.column_classification', 'select')"
        ).scalar(as: Bool.self)
        if catalogueReadable {
            candidates += " union select table_schema, table_name, column_name from privacy.column_classification where class = 'pii'"
        }
        // A column is readable only through a schema the login may use; checking it first keeps
        // has_column_privilege from failing on schemas (audit, privacy) the loader cannot enter.
        let readable = try connection.query(
            """
            select format('%s.%s.%s', table_schema, table_name, column_name) from (\(candidates)) c
            where case when has_schema_privilege(table_schema, 'usage')
                        and to_regclass(format('%I.%I', table_schema, table_name)) is not null
                       then has_column_privilege(format('%I.%I', table_schema, table_name), column_name, 'select')
                       else false end
            order by 1
            """
        ).rows.map { try $0.decode(0, as: String.self) }
        if let column = readable.first {
            throw LoadError(
                code: .configuration,
                message:
                    "the operational connection (\(connection.user)) can read the PII column \(column)\(readable.count > 1 ? " and \(readable.count - 1) more" : ""). Revoke it, or use a login that is only in tally_etl_reader."
            )
        }
    }
}
