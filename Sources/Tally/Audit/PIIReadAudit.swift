/// Whether the operational server logs every read of a PII column (pgaudit's object audit, set up
/// by operational migration V0012), as `tally check` and `tally migrate verify` report it.
public struct PIIReadAudit: Sendable, Equatable {
    /// The audit role the migrations create and pgaudit.role names.
    public static let role = "tally_pii_audit"

    /// Whether the server has pgaudit loaded (shared_preload_libraries).
    public var loaded: Bool
    /// This session's pgaudit.role, if any.
    public var auditRole: String?
    /// PII columns of tables that the audit role may not read, so whose reads are not logged.
    public var uncovered: [String]
    /// PII columns of tables in the catalogue.
    public var columns: Int

    public var isAudited: Bool { loaded && auditRole == Self.role && uncovered.isEmpty && columns > 0 }

    /// One line for the terminal.
    public var summary: String {
        if isAudited { return "PII reads: audited by pgaudit (role \(Self.role), \(columns) columns)" }
        let why =
            if !loaded {
                "pgaudit is not loaded: add shared_preload_libraries = 'pgaudit' to postgresql.conf (Debian: apt-get install postgresql-15-pgaudit), restart, and run tally migrate up --db operational (docs/security.md)"
            } else if auditRole != Self.role {
                "pgaudit.role is \(auditRole.map { "'\($0)'" } ?? "not set") for this database, not \(Self.role): run tally migrate up --db operational"
            } else if columns == 0 {
                "the PII catalogue (privacy.column_classification) is not readable by this login, or empty"
            } else {
                "\(Self.role) cannot read \(uncovered.joined(separator: ", ")), so reads of it are not logged: grant select on it to \(Self.role) in a migration"
            }
        return "PII reads: NOT audited: \(why)"
    }

    /// Reads the state from the operational database, as any of its logins.
    public static func read(_ connection: PostgresConnection) throws -> PIIReadAudit {
        let row = try connection.query(
            """
            select exists (select 1 from pg_settings where name = 'pgaudit.log_level'),
                   nullif(current_setting('pgaudit.role', true), ''),
                   exists (select 1 from pg_roles where rolname = $1),
                   has_schema_privilege('privacy', 'usage') and has_table_privilege('privacy.column_classification', 'select')
            """, [Self.role])[0]
        var audit = PIIReadAudit(loaded: try row.decode(0, as: Bool.self), auditRole: try row.decode(1, as: String?.self), uncovered: [], columns: 0)
        guard try row.decode(3, as: Bool.self) else { return audit }
        let roleExists = try row.decode(2, as: Bool.self)
        let columns = try connection.query(
            """
            select format('%s.%s.%s', k.table_schema, k.table_name, k.column_name),
                   case when $1 then has_column_privilege($2::name, t.oid, k.column_name, 'select') else false end
            from privacy.column_classification k
            join pg_namespace n on n.nspname = k.table_schema
            join pg_class t on t.relnamespace = n.oid and t.relname = k.table_name and t.relkind in ('r', 'p')
            where k.class = 'pii'
            order by 1
            """, [roleExists, Self.role])
        audit.columns = columns.count
        audit.uncovered = try columns.rows.filter { !(try $0.decode(1, as: Bool.self)) }.map { try $0.decode(0, as: String.self) }
        return audit
    }
}

/// Whether pg_hba.conf lets the audit writer (tally_audit_writer, which has no password) in with
/// `trust`: then any local user who can reach that rule could append entries as the writer.
public struct AuditWriterAuthentication: Sendable, Equatable {
    /// pg_hba.conf lines (with their line numbers) that trust the writer; nil when the rules are
    /// not readable by this login (pg_hba_file_rules is for superusers).
    public var trustLines: [String]?

    /// One line for the terminal.
    public var summary: String {
        guard let trustLines else {
            return "audit writer: pg_hba_file_rules is not readable by this login; run tally check as a superuser to see how tally_audit_writer authenticates"
        }
        guard let first = trustLines.first else { return "audit writer: no pg_hba.conf rule trusts tally_audit_writer" }
        return
            "audit writer: WARNING: pg_hba.conf \(first)\(trustLines.count > 1 ? " and \(trustLines.count - 1) more" : "") lets tally_audit_writer in with trust: use peer with a map to the server's OS user (docs/security.md, Audit)"
    }

    public static func read(_ connection: PostgresConnection) throws -> AuditWriterAuthentication {
        let readable = try connection.query("select has_table_privilege('pg_catalog.pg_hba_file_rules', 'select')").scalar(as: Bool.self)
        guard readable else { return AuditWriterAuthentication(trustLines: nil) }
        let lines = try connection.query(
            """
            select format('line %s (%s %s %s trust)', line_number, type, array_to_string(database, ','), array_to_string(user_name, ','))
            from pg_hba_file_rules
            where auth_method = 'trust' and error is null
              and (database && array['all', current_database()::text] or 'sameuser' = any (database))
              and user_name && array['all', 'tally_audit_writer']
            order by line_number
            """
        ).rows.map { try $0.decode(0, as: String.self) }
        return AuditWriterAuthentication(trustLines: lines)
    }
}
