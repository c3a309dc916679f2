/// Refuses an operational login that could read PII: a superuser, a role with BYPASSRLS, one with
/// SELECT on any catalogued PII column, one that may CREATE in a schema (it could plant a function
/// or operator that a view resolves through its search_path), a member of the roles that read
/// files or every table, or one that can SET ROLE to a role that reads PII. Privacy must hold in
/// the database, not only in the queries tally happens to send.
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
        let powerful = try connection.query(
            """
            select rolname::text from pg_roles
            where rolname in ('pg_read_all_data', 'pg_read_server_files', 'pg_execute_server_program')
              and pg_has_role(current_user, oid, 'member')
            order by 1
            """
        ).rows.map { try $0.decode(0, as: String.self) }
        if !powerful.isEmpty {
            throw LoadError(
                code: .configuration,
                message:
                    "the operational connection (\(connection.user)) is a member of \(powerful.joined(separator: ", ")), which reads every table or the server's files. \(fix)"
            )
        }
        var candidates =
            "select * from (values "
            + contractPIIColumns.map { "('\($0.0)', '\($0.1)', '\($0.2)')" }.joined(separator: ", ")
            + ") v (table_schema, table_name, column_name)"
        let catalogueReadable = try connection.query(
            "select case when has_schema_privilege('privacy', 'usage') then to_regclass('privacy.column_classification') is not null and has_table_privilege('privacy.column_classification', 'select') else false end"
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
        let creatable = try connection.query(
            """
            select nspname::text from pg_namespace
            where nspname !~ '^pg_(toast_)?temp_' and has_schema_privilege(oid, 'create')
            order by 1
            """
        ).rows.map { try $0.decode(0, as: String.self) }
        if let schema = creatable.first {
            throw LoadError(
                code: .configuration,
                message:
                    "the operational connection (\(connection.user)) may create objects in schema \(creatable.joined(separator: ", ")), so it could plant a function or operator that a view runs with a date of birth. Revoke it, e.g. revoke create on schema \(schema) from public, \(connection.user); (tally migrate does this for public)."
            )
        }
        // Roles it can SET ROLE to (memberships, NOINHERIT ones included) that read PII.
        let reachable = try connection.query(
            """
            select distinct r.rolname::text from pg_roles r
            cross join (\(candidates)) c
            join pg_namespace n on n.nspname = c.table_schema
            join pg_class t on t.relnamespace = n.oid and t.relname = c.table_name
            where r.rolname <> current_user and pg_has_role(current_user, r.oid, 'member')
              and (r.rolsuper or r.rolbypassrls
                   or (has_schema_privilege(r.oid, n.oid, 'usage') and has_column_privilege(r.oid, t.oid, c.column_name, 'select')))
            order by 1
            """
        ).rows.map { try $0.decode(0, as: String.self) }
        if !reachable.isEmpty {
            throw LoadError(
                code: .configuration,
                message: "the operational connection (\(connection.user)) can SET ROLE to \(reachable.joined(separator: ", ")), which can read PII. \(fix)"
            )
        }
    }
}
