import Foundation
import Tally
import Testing

/// Issue 18: the paths around the operational database's guarded core, each tried as the attacker's
/// role would try it, with its real login.
@Suite("every path that touches a person", .enabled(if: TestServer.isAvailable))
struct PersonPathsTests {
    typealias Probe = SecurityProbe
    @Test("with CREATE on public granted to PUBLIC, an operator the ETL login plants gets no date of birth, and tally load refuses that login")
    func plantedOperator() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            let account = try source.account(1, birth: "1991-06-15")
            let profile = try source.profile(1, account: account)
            try source.play(profile, 1, on: try source.day(-2))
            // A server where PUBLIC may create in public: PostgreSQL 14 and older, or upgraded from one.
            try source.connection.execute("grant create on schema public to public")

            let etl = try PostgresConnection.connect(fixture.etlConninfo, logger: quietLogger())
            defer { etl.close() }
            try etl.execute(
                """
                create table public.stolen (v text);
                create function public.steal(a date, b date) returns boolean language sql as $$
                    insert into public.stolen values (a::text), (b::text);
                    select a operator(pg_catalog.>) b;
                $$;
                create function public.steal(a integer, b integer) returns boolean language sql as $$
                    insert into public.stolen values (a::text), (b::text);
                    select a operator(pg_catalog.>) b;
                $$;
                create function public.steal_less(a integer, b integer) returns boolean language sql as $$
                    insert into public.stolen values (a::text), (b::text);
                    select a operator(pg_catalog.<) b;
                $$;
                create operator public.> (leftarg = date, rightarg = date, function = public.steal);
                create operator public.> (leftarg = integer, rightarg = integer, function = public.steal);
                create operator public.< (leftarg = integer, rightarg = integer, function = public.steal_less);
                set search_path = public, pg_catalog;
                """)
            let bands = try etl.query("select age_band from etl.profile_attributes").rows.map { try $0.decode(0, as: String.self) }
            #expect(bands.count == 1)
            let stolen = try etl.query("select count(*)::int from public.stolen where v like '%1991%'").scalar(as: Int.self)
            #expect(stolen == 0, "a planted operator saw the date of birth or its year")

            let refused = #expect(throws: LoadError.self) { try fixture.load() }
            #expect(refused?.message.contains("may create objects in schema public") == true, "\(refused?.message ?? "")")
            #expect(refused?.message.contains("revoke create on schema public") == true)
        }
    }

    @Test("tally load refuses an ETL login in pg_read_all_data, or one that can SET ROLE to a role that reads PII")
    func powerfulLogins() async throws {
        try await withLoadFixture { fixture in
            let admin = try fixture.source()
            defer { admin.close() }
            let etlRole = try PostgresConnection.connect(fixture.etlConninfo, logger: quietLogger()).query("select current_user::text").scalar(
                as: String.self)
            try admin.execute("grant pg_read_all_data to \(etlRole)")
            let readsAll = #expect(throws: LoadError.self) { try fixture.load() }
            #expect(readsAll?.message.contains("is a member of pg_read_all_data") == true, "\(readsAll?.message ?? "")")
            try admin.execute("revoke pg_read_all_data from \(etlRole)")
            try fixture.load()

            // A role that reads e-mail addresses, which the login does not inherit but may SET ROLE to.
            let reader = "pii_reader_\(UUID().uuidString.prefix(8).lowercased())"
            try admin.execute("create role \(reader) nologin; grant usage on schema app to \(reader); grant select (email) on app.accounts to \(reader)")
            defer { _ = try? admin.execute("drop owned by \(reader); drop role \(reader)") }
            // NOINHERIT: the login has none of the role's privileges until it runs SET ROLE.
            // NOINHERIT: the login has none of the role's privileges until it runs SET ROLE (so it
            // needs CONNECT of its own).
            try admin.execute("grant \(reader) to \(etlRole); alter role \(etlRole) noinherit")
            try admin.execute("grant connect on database \(fixture.operational.name) to \(etlRole)")
            let setRole = #expect(throws: LoadError.self) { try fixture.load() }
            #expect(setRole?.message.contains("can SET ROLE to \(reader)") == true, "\(setRole?.message ?? "")")
            try admin.execute("revoke \(reader) from \(etlRole); alter role \(etlRole) inherit")
        }
    }

    enum Deletion: String, CaseIterable, CustomTestStringConvertible {
        case backendDeletesProfile, dbaDeletesAccount
        var testDescription: String { rawValue }
    }

    @Test("a hard delete of a profile by the backend, or of an account by a DBA, leaves no private row after the next load", arguments: Deletion.allCases)
    func hardDeleteIsErased(_ deletion: Deletion) async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            let (_, account, erased) = try NightlyLoadTests.plantErasable(source)
            try fixture.load()
            let pseudonym = try Pseudonymiser(keyFile: fixture.keyFile).pseudonym(of: Array(erased.utf8))
            let facts = try fixture.facts()
            let key = try facts.query("select person_key from private.people where pseudonym = $1", [pseudonym]).scalar(as: Int.self)
            func privateRows() throws -> Int {
                try facts.query(
                    "select (select count(*) from private.activity where person_key = $1) + (select count(*) from private.people where person_key = $1)",
                    [key]
                ).scalar(as: Int.self)
            }
            #expect(try privateRows() == 2)
            // A support request about the account, with its approval: history that must outlive a purge.
            try source.connection.execute(
                """
                insert into privacy.access_requests (account_id, requested_by, reason, ticket, justification, valid_for)
                values ('\(account)', 'support_a', 'data_subject_request', 'T-1', 'a copy of their data', interval '1 hour')
                """)

            switch deletion {
            case .backendDeletesProfile:
                try await withLoginRole(in: fixture.operational, memberOf: ["tally_app"]) { role, password in
                    let backend = try PostgresConnection.connect(
                        try requireLocal(fixture.operational).tcpConninfo(database: fixture.operational.name, user: role, password: password),
                        logger: quietLogger())
                    defer { backend.close() }
                    try backend.execute("begin")
                    try backend.execute("set local tally.account_id = '\(account)'")
                    let deleted = try backend.execute("delete from app.profiles where profile_id = '\(erased)'").affectedRows
                    try backend.execute("commit")
                    #expect(deleted == 1)
                }
            case .dbaDeletesAccount:
                try source.connection.execute(
                    "delete from app.profiles where account_id = '\(account)'; delete from app.accounts where account_id = '\(account)'")
            }
            let log = try source.connection.query("select cause from etl.erasure_log order by erasure_id").rows.map { try $0.decode(0, as: String.self) }
            #expect(log == (deletion == .backendDeletesProfile ? ["profile_deleted"] : ["profile_deleted", "account_deleted"]))
            let report = try fixture.load()
            #expect(report.erasuresApplied == 1)
            #expect(try privateRows() == 0, "no private row of the deleted profile")
            #expect(try facts.query("select count(*)::int from private.people").scalar(as: Int.self) == 1, "the other person stays")
            let history = try source.connection.query("select count(*)::int from privacy.access_requests where account_id = $1", [account]).scalar(
                as: Int.self)
            #expect(history == 1, "who asked to read the account is kept")
            // The log is append-only, to its owner too.
            let changed = #expect(throws: PostgresError.self) { try source.connection.execute("delete from etl.erasure_log") }
            #expect(changed?.message.contains("append-only") == true)
        }
    }

    @Test("every function of tally's schemas pins its search_path or has a SQL-standard body, in both databases")
    func functionsPinSearchPath() async throws {
        for database in [TallyConfiguration.Database.operational, .warehouse] {
            try await withTestDatabase { db in
                try migrate(db, database)
                let admin = try db.connect()
                defer { admin.close() }
                let unpinned = try admin.query(
                    """
                    select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    where n.nspname in ('app', 'privacy', 'audit', 'etl', 'report', 'analytics', 'private')
                      and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
                      and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=%')
                      -- A SQL-standard body (RETURN or BEGIN ATOMIC) was resolved when it was created.
                      and p.prosqlbody is null
                    order by 1
                    """
                ).rows.map { try $0.decode(0, as: String.self) }
                #expect(unpinned == [], "\(database): functions that resolve names through the caller's search_path")
                // A SQL-standard body was resolved when it was created: to nothing outside pg_catalog
                // (whose objects pg_depend does not list) and tally's schemas. The probe, bound to an
                // operator planted in public, shows that the query sees one.
                try admin.execute(
                    """
                    create function public.probe_less(a integer, b integer) returns boolean language sql return a operator(pg_catalog.<) b;
                    create operator public.<<< (leftarg = integer, rightarg = integer, function = public.probe_less);
                    create function etl.probe(a integer) returns boolean language sql return a operator(public.<<<) 1;
                    """)
                let foreign = try admin.query(
                    """
                    select p.oid::regprocedure::text from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid
                    left join pg_operator o on d.refclassid = 'pg_operator'::regclass and o.oid = d.refobjid
                    left join pg_proc f on d.refclassid = 'pg_proc'::regclass and f.oid = d.refobjid
                    where n.nspname in ('app', 'privacy', 'audit', 'etl', 'report', 'analytics', 'private')
                      and p.prosqlbody is not null
                      and coalesce(o.oprnamespace, f.pronamespace)::regnamespace::text
                          not in ('pg_catalog', 'app', 'privacy', 'audit', 'etl', 'report', 'analytics', 'private')
                    order by 1
                    """
                ).rows.map { try $0.decode(0, as: String.self) }
                #expect(foreign == ["etl.probe(integer)"], "\(database): SQL-standard bodies bound to objects of other schemas")
                let publicCreate = try admin.query("select has_schema_privilege('public', 'public', 'create')").scalar(as: Bool.self)
                #expect(!publicCreate, "\(database): PUBLIC may create in schema public")
            }
        }
    }
    @Test(
        "the audit trail is a hash chain: the owner cannot change it, a superuser's one-byte change with the trigger disabled is named by tally audit verify, and retention keeps it verifiable"
    )
    func auditHashChain() async throws {
        try await Probe.withSecuredDatabase { db in
            try await Probe.withLogins(in: db, [["tally_support"], ["tally_approver_cs"], ["tally_approver_security"], ["tally_auditor"]]) { logins in
                // Workflow entries, each written autonomously through dblink.
                try Probe.grantAccess(db, logins, account: OperationalFixture.accountA)
                let admin = try db.connect()
                defer { admin.close() }
                let auditor = try requireLocal(db).tcpConninfo(database: db.name, user: logins[3].role, password: logins[3].password)
                func verify() async throws -> TallyBinary.Outcome {
                    try await TallyBinary.run(["audit", "verify"], environment: ["TALLY_OPERATIONAL_URL": auditor])
                }
                let entries = try admin.query("select count(*)::int from audit.access_log").scalar(as: Int.self)
                #expect(entries >= 3)
                let intact = try await verify()
                #expect(intact.status == 0, "\(intact.stderr)")
                #expect(intact.stdout == "audit chain: intact, \(entries) entries\n")

                // Not even the owner may change an entry while the trigger stands.
                try admin.execute("set role tally_owner")
                let refused = #expect(throws: PostgresError.self) { try admin.execute("update audit.access_log set detail = 'x'") }
                #expect(refused?.message.contains("append-only") == true)
                try admin.execute("reset role")

                // A superuser disables the trigger and changes one byte of the second entry.
                let second = try admin.query("select entry_id::int from audit.access_log order by chain_seq offset 1 limit 1").scalar(as: Int.self)
                try admin.execute(
                    """
                    alter table audit.access_log disable trigger access_log_append_only;
                    update audit.access_log set actor = overlay(actor placing 'X' from 1 for 1) where entry_id = \(second);
                    alter table audit.access_log enable trigger access_log_append_only;
                    """)
                let tampered = try await verify()
                #expect(tampered.status == 3)
                #expect(tampered.stdout.contains("broken at entry \(second) (chain_seq 2): its fields do not match its hash"), "\(tampered.stdout)")
                #expect(tampered.stderr.contains("changed after it was written"), "\(tampered.stderr)")

                // Removing an entry in the middle breaks the link after it.
                try admin.execute(
                    """
                    alter table audit.access_log disable trigger access_log_append_only;
                    update audit.access_log set actor = overlay(actor placing \(try admin.escapeLiteral(logins[1].role.prefix(1).description)) from 1 for 1) where entry_id = \(second);
                    delete from audit.access_log where entry_id = \(second);
                    alter table audit.access_log enable trigger access_log_append_only;
                    """)
                let gap = try await verify()
                #expect(gap.status == 3)
                #expect(gap.stdout.contains("chain_seq 3): an entry before it is missing"), "\(gap.stdout)")

                // Retention removes the chain's start and records it; what remains verifies.
                let removed = try admin.query("select audit.purge_before(clock_timestamp())").scalar(as: Int.self)
                #expect(removed == entries - 1)
                try Probe.grantAccess(db, logins, account: OperationalFixture.accountB)
                let afterPurge = try await verify()
                #expect(afterPurge.status == 0, "\(afterPurge.stdout)\(afterPurge.stderr)")
                let recorded = try admin.query("select rows_removed::int from audit.retention_log").scalar(as: Int.self)
                #expect(recorded == removed)
            }
        }
    }

    @Test("with pgaudit preloaded, a superuser's read of app.accounts.email writes an AUDIT line; tally check says whether PII reads are audited")
    func piiReadsAreAudited() async throws {
        try await withLoadFixture { fixture in
            let local = try requireLocal(fixture.operational)
            let admin = try fixture.source()
            defer { admin.close() }
            let loaded = try admin.query("select exists (select 1 from pg_settings where name = 'pgaudit.log_level')").scalar(as: Bool.self)
            try #require(loaded, "pgaudit is not installed on this machine: apt-get install postgresql-15-pgaudit (.ci/run does)")
            let marker = "audit_probe_\(UUID().uuidString.prefix(8).lowercased())"
            // A new session, so that the database's pgaudit.role applies.
            let superuser = try PostgresConnection.connect(fixture.operational.conninfo, logger: quietLogger())
            _ = try superuser.query("select email as \(marker) from app.accounts")
            superuser.close()
            var log = ""
            for _ in 0..<50 {
                log = (try? String(contentsOfFile: local.logFile, encoding: .utf8)) ?? ""
                if log.contains(marker) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let line = log.split(separator: "\n").first { $0.contains(marker) }.map(String.init) ?? ""
            #expect(line.contains("AUDIT: OBJECT"), "no AUDIT line for the superuser's read in \(local.logFile): \(line)")
            #expect(line.contains("TABLE,app.accounts"), "\(line)")

            let check = try await TallyBinary.run(["check", "--db", "operational"], environment: fixture.environment)
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("operational: PII reads: audited by pgaudit (role tally_pii_audit, "), "\(check.stdout)")
            #expect(check.stdout.contains("operational: audit writer: pg_hba_file_rules is not readable by this login"), "\(check.stdout)")
            // As a superuser it reads pg_hba.conf: the test cluster trusts every local login.
            var asSuperuser = fixture.environment
            asSuperuser["TALLY_OPERATIONAL_URL"] = fixture.operational.conninfo
            let superCheck = try await TallyBinary.run(["check", "--db", "operational"], environment: asSuperuser)
            #expect(superCheck.stdout.contains("audit writer: WARNING: pg_hba.conf line "), "\(superCheck.stdout)")
            #expect(superCheck.stdout.contains("local all all trust) lets tally_audit_writer in with trust"), "\(superCheck.stdout)")
            // Without the database's audit role, tally check says so, and how to fix it.
            try admin.execute("alter database \(fixture.operational.name) reset pgaudit.role")
            let unset = try await TallyBinary.run(["check", "--db", "operational"], environment: fixture.environment)
            #expect(unset.stdout.contains("PII reads: NOT audited: pgaudit.role is not set for this database"), "\(unset.stdout)")
        }
    }

    @Test("a login in tally_data_steward reads no analytics table, even with CONNECT granted to it")
    func noDataSteward() async throws {
        try await withTestDatabase { warehouse in
            try migrate(warehouse, .warehouse)
            try await withLoginRole(in: warehouse, memberOf: ["tally_data_steward"]) { role, password in
                let admin = try warehouse.connect()
                defer { admin.close() }
                try admin.execute("grant connect on database \(warehouse.name) to \(role)")
                let steward = try PostgresConnection.connect(
                    try requireLocal(warehouse).tcpConninfo(database: warehouse.name, user: role, password: password), logger: quietLogger())
                defer { steward.close() }
                let tables = try admin.query("select format('analytics.%I', tablename) from pg_tables where schemaname = 'analytics' order by 1").rows.map {
                    try $0.decode(0, as: String.self)
                }
                #expect(tables.count >= 8)
                for table in tables { SecurityProbe.expectDenied(steward, "select count(*) from \(table)") }
            }
        }
    }
}
