import Foundation
import Logging

/// A sorted, comparable description of a database's schema: tables, columns, constraints, indexes,
/// views, functions, triggers, row-level security, policies, grants and owners. Partitions are not
/// listed one by one (the load creates one a month by design, so their number is no drift); a
/// partition appears only when it differs from its parent in owner or row security, or grants more.
/// Each line reads `<kind> <name>: <definition>`. The objects of the extensions in `$1` (those
/// that the live database has and the migrations do not create, such as Citus's schemas, tables
/// and functions on a Citus coordinator) are not the migrations' and are left out; the objects of
/// the extensions the migrations create (dblink, with its grants) are compared like any other.
struct SchemaSnapshot: Equatable {
    let lines: [String]

    static let query = """
        with member as (
            select d.classid, d.objid from pg_depend d join pg_extension e on e.oid = d.refobjid
            where d.deptype = 'e' and d.refclassid = 'pg_extension'::regclass and e.extname = any ($1::text[])
        ), ns as (
            select oid, nspname, nspowner, nspacl from pg_namespace
            where nspname not in ('pg_catalog', 'information_schema', 'tally_migrations')
              and nspname not like 'pg\\_toast%' and nspname not like 'pg\\_temp%'
              and (tableoid, oid) not in (select classid, objid from member)
        ), rel as (
            select c.oid, c.relname, c.relkind, n.nspname, c.relowner, c.relacl, c.relrowsecurity, c.relforcerowsecurity
            from pg_class c join ns n on n.oid = c.relnamespace
            where not c.relispartition and (c.tableoid, c.oid) not in (select classid, objid from member)
        )
        select line from (
            select format('schema %I: owner %s, acl %s', nspname, pg_get_userbyid(nspowner), coalesce(nspacl::text, 'default')) from ns
            union all
            select format('relation %I.%I: kind %s, owner %s, acl %s, row security %s, forced %s', nspname, relname, relkind,
                          pg_get_userbyid(relowner), coalesce(relacl::text, 'default'), relrowsecurity, relforcerowsecurity)
            from rel where relkind in ('r', 'p', 'v', 'm', 'S', 'f')
            union all
            select format('column %I.%I.%I: %s, not null %s, default %s, acl %s', r.nspname, r.relname, a.attname,
                          format_type(a.atttypid, a.atttypmod), a.attnotnull, coalesce(pg_get_expr(d.adbin, d.adrelid), 'none'),
                          coalesce(a.attacl::text, 'default'))
            from pg_attribute a join rel r on r.oid = a.attrelid
            left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
            where a.attnum > 0 and not a.attisdropped and r.relkind in ('r', 'p', 'v', 'm', 'f')
            union all
            select format('constraint %I.%I.%I: %s', r.nspname, r.relname, co.conname, pg_get_constraintdef(co.oid))
            from pg_constraint co join rel r on r.oid = co.conrelid
            union all
            select format('index %I.%I: %s', r.nspname, i.relname, pg_get_indexdef(i.oid))
            from pg_index x join pg_class i on i.oid = x.indexrelid join rel r on r.oid = x.indrelid
            union all
            select format('view %I.%I: %s', nspname, relname, pg_get_viewdef(oid)) from rel where relkind in ('v', 'm')
            union all
            select format('function %I.%I(%s): owner %s, acl %s, %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
                          pg_get_userbyid(p.proowner), coalesce(p.proacl::text, 'default'), pg_get_functiondef(p.oid))
            from pg_proc p join ns n on n.oid = p.pronamespace
            where p.prokind in ('f', 'p') and (p.tableoid, p.oid) not in (select classid, objid from member)
            union all
            select format('policy %I.%I.%I: %s for %s to %s using (%s) with check (%s)', schemaname, tablename, policyname,
                          permissive, cmd, roles::text, coalesce(qual, ''), coalesce(with_check, ''))
            from pg_policies pol join rel r on r.nspname = pol.schemaname and r.relname = pol.tablename
            union all
            select format('partition %I.%I of %I.%I: owner %s (parent %s), grants beyond the parent''s %s, row security %s/%s (parent %s/%s)',
                          n.nspname, c.relname, pn.nspname, p.relname, pg_get_userbyid(c.relowner), pg_get_userbyid(p.relowner),
                          not coalesce(c.relacl, acldefault('r', c.relowner)) <@ coalesce(p.relacl, acldefault('r', p.relowner)),
                          c.relrowsecurity, c.relforcerowsecurity, p.relrowsecurity, p.relforcerowsecurity)
            from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
            join ns n on n.oid = c.relnamespace join ns pn on pn.oid = p.relnamespace
            where c.relispartition and c.relkind in ('r', 'p')
              and (c.relowner <> p.relowner or c.relrowsecurity <> p.relrowsecurity or c.relforcerowsecurity <> p.relforcerowsecurity
                   or not coalesce(c.relacl, acldefault('r', c.relowner)) <@ coalesce(p.relacl, acldefault('r', p.relowner)))
            union all
            select format('trigger %I.%I.%I: %s', r.nspname, r.relname, t.tgname, pg_get_triggerdef(t.oid))
            from pg_trigger t join rel r on r.oid = t.tgrelid where not t.tgisinternal
        ) lines (line)
        order by line
        """

    /// The snapshot of the database `connection` is on, without the objects of `ignoredExtensions`.
    static func read(from connection: PostgresConnection, ignoringExtensions ignoredExtensions: [String] = []) throws -> SchemaSnapshot {
        SchemaSnapshot(lines: try connection.query(query, [PostgresArray(ignoredExtensions)]).rows.map { try $0.decode(0, as: String.self) })
    }

    /// The extensions installed in the database `connection` is on.
    static func extensions(on connection: PostgresConnection) throws -> [String] {
        try connection.query("select extname::text from pg_extension order by 1").rows.map { try $0.decode(0, as: String.self) }
    }

    /// Lines that differ, grouped by object, as `- expected` / `+ live` pairs.
    func differences(live: SchemaSnapshot) -> [String] {
        let expected = Set(lines)
        let actual = Set(live.lines)
        func key(_ line: String) -> String { line.components(separatedBy: ": ").first ?? line }
        let onlyExpected = lines.filter { !actual.contains($0) }
        let onlyLive = live.lines.filter { !expected.contains($0) }
        let keys = Set(onlyExpected.map(key) + onlyLive.map(key)).sorted()
        var out: [String] = []
        for k in keys {
            for line in onlyExpected where key(line) == k { out.append("- expected: \(line)") }
            for line in onlyLive where key(line) == k { out.append("+ live:     \(line)") }
        }
        return out
    }
}

extension Migrator {
    /// The result of `verify`: empty `differences` means the live schema is what the migrations build.
    public struct VerifyReport: Sendable {
        public var database: String
        public var differences: [String]
        /// Findings that are not drift: for the operational database, whether PII reads are audited.
        public var notes: [String] = []
        public var isClean: Bool { differences.isEmpty }

        /// What `migrate verify` prints for this database: "no drift", or the differences one a line.
        public var summary: String {
            let notes = self.notes.map { "\n\(database): \($0)" }.joined()
            guard let first = differences.first else { return "\(database): no drift" + notes }
            return
                (["\(database): \(differences.count) differences from a fresh replay of the migrations, the first: \(first)"]
                + differences.map { "  \($0)" }).joined(separator: "\n") + notes
        }

        /// The drift error (exit 3) for the databases that drifted, or nil when all are clean.
        public static func driftError(_ reports: [VerifyReport]) -> MigrationError? {
            let drifted = reports.filter { !$0.isClean }.map(\.database)
            guard !drifted.isEmpty else { return nil }
            return MigrationError(
                code: .drift,
                message:
                    "drift in \(drifted.joined(separator: " and ")): the live schema differs from its migrations (see above). Undo the hand-made change, or capture it in a new migration."
            )
        }
    }

    /// Replays every migration into a scratch database on the same server and compares catalogues.
    public func verify() throws -> VerifyReport {
        let live = try connect()
        defer { live.close() }
        let scratch = "tally_verify_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        do {
            try live.execute("create database \(scratch)")
        } catch {
            throw MigrationError(
                code: .failed,
                message:
                    "\(database): verify replays the migrations into a scratch database on the same server, and \(live.user) may not create one: \(error.message). Run verify as a superuser, as up runs (a superuser may create databases)."
            )
        }
        defer { _ = try? live.execute("drop database if exists \(scratch) with (force)") }
        var replay = Migrator(
            database: "\(database) (scratch replay)", directory: directory,
            conninfo: try Conninfo.replacingDatabase(in: conninfo, with: scratch), logger: logger)
        replay.allowOutOfOrder = true
        do {
            try replay.up()
        } catch let failure as MigrationError {
            let first = failure.message.split(separator: "\n").first.map(String.init) ?? failure.message
            throw MigrationError(
                code: failure.code,
                message:
                    "\(database): verify replays every migration into an empty scratch database, and the replay failed, so the files do not apply cleanly from scratch: \(first)"
            )
        }
        let scratchConnection = try replay.connect()
        defer { scratchConnection.close() }
        let expected = try SchemaSnapshot.read(from: scratchConnection)
        // Extensions a DBA added outside the migrations (Citus on a coordinator) are not drift.
        let added = Set(try SchemaSnapshot.extensions(on: live)).subtracting(try SchemaSnapshot.extensions(on: scratchConnection))
        let actual = try SchemaSnapshot.read(from: live, ignoringExtensions: added.sorted())
        var report = VerifyReport(database: database, differences: expected.differences(live: actual))
        if database == TallyConfiguration.Database.operational.rawValue { report.notes.append(try PIIReadAudit.read(live).summary) }
        return report
    }
}
