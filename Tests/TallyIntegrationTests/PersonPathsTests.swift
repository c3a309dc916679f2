import Foundation
import Tally
import Testing

/// Issue 18: the paths around the operational database's guarded core, each tried as the attacker's
/// role would try it, with its real login.
@Suite("every path that touches a person", .enabled(if: TestServer.isAvailable))
struct PersonPathsTests {
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

    @Test("every function of tally's schemas pins its search_path, in both databases")
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
                    order by 1
                    """
                ).rows.map { try $0.decode(0, as: String.self) }
                #expect(unpinned == [], "\(database): functions that resolve names through the caller's search_path")
                let publicCreate = try admin.query("select has_schema_privilege('public', 'public', 'create')").scalar(as: Bool.self)
                #expect(!publicCreate, "\(database): PUBLIC may create in schema public")
            }
        }
    }
}
