import Foundation
import Tally
import Testing

@Suite("tally migrate verify", .enabled(if: TestServer.isAvailable))
struct MigrationVerifyTests {
    static let schema = """
        create schema app;
        create table app.accounts (id int primary key, email text, plan text);
        alter table app.accounts enable row level security;
        alter table app.accounts force row level security;
        create policy by_plan on app.accounts for select using (plan = 'basic');
        create function app.touch() returns int language sql security definer set search_path = pg_catalog, app as $$ select 1 $$;
        create schema ext;
        create extension dblink schema ext;
        revoke all on function ext.dblink_connect_u(text, text) from public;
        """

    @Test(
        "clean right after up; each hand-made change is drift with exit 3",
        arguments: [
            ("policy expression", "alter policy by_plan on app.accounts using (plan = 'premium')", "policy app.accounts.by_plan"),
            ("no force rls", "alter table app.accounts no force row level security", "relation app.accounts"),
            ("column grant on PII", "grant select (email) on app.accounts to public", "column app.accounts.email"),
            ("function search_path", "alter function app.touch() set search_path = public", "function app.touch()"),
            // An extension the migrations create is compared like the rest (one added by hand, as
            // Citus on a coordinator, is not: CitusTests).
            ("extension function grant", "grant execute on function ext.dblink_connect_u(text, text) to public", "function ext.dblink_connect_u"),
        ])
    func drift(name: String, change: String, object: String) async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__schema.sql", Self.schema)
            try folder.migrator(for: db).up()
            #expect(try folder.migrator(for: db).verify().isClean)
            try db.connect().execute(change)
            let report = try folder.migrator(for: db).verify()
            #expect(!report.isClean, "\(name)")
            #expect(report.differences.contains { $0.contains(object) }, "\(report.differences)")
            #expect(report.differences.contains { $0.hasPrefix("- expected:") } && report.differences.contains { $0.hasPrefix("+ live:") })

            let outcome = try await TallyBinary.run(
                ["migrate", "verify", "--db", "warehouse", "--dir", folder.root.path], environment: ["TALLY_WAREHOUSE_URL": db.conninfo])
            #expect(outcome.status == 3)
            #expect(outcome.stdout.contains(object))
        }
    }

    @Test("a loaded warehouse is clean: its monthly partitions are no drift, but a column added by hand or a re-owned partition is")
    func loadedWarehouse() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            let viewer = try source.person(1)
            // Three loads whose days span two or three months, so the load creates monthly partitions.
            for offset in [-45, -20, -1] {
                try source.play(viewer, 1, on: try source.day(offset))
                try fixture.load()
            }
            let warehouse = try fixture.facts()
            defer { warehouse.close() }
            let partitions = try warehouse.query(
                "select c.oid::regclass::text from pg_inherits i join pg_class c on c.oid = i.inhrelid where c.relname like 'fact_title_daily_y%' order by 1"
            ).rows.map { try $0.decode(0, as: String.self) }
            #expect(partitions.count >= 2, "\(partitions)")
            let environment: [String: String?] = ["TALLY_WAREHOUSE_URL": fixture.warehouse.conninfo]
            let arguments = ["migrate", "verify", "--db", "warehouse", "--dir", repositoryRoot.appendingPathComponent("migrations").path]
            let clean = try await TallyBinary.run(arguments, environment: environment)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(clean.stdout == "warehouse: no drift\n")

            try warehouse.execute("alter table analytics.fact_title_daily add column note text")
            let column = try await TallyBinary.run(arguments, environment: environment)
            #expect(column.status == 3)
            #expect(column.stdout.split(separator: "\n").first?.contains("column analytics.fact_title_daily.note") == true, "\(column.stdout)")
            try warehouse.execute("alter table analytics.fact_title_daily drop column note")

            let partition = try #require(partitions.first)
            try warehouse.execute("do $$ begin create role tally_test_other; exception when duplicate_object then null; end $$")
            try warehouse.execute("alter table \(partition) owner to tally_test_other")
            let owner = try await TallyBinary.run(arguments, environment: environment)
            #expect(owner.status == 3)
            #expect(owner.stdout.contains("partition \(partition) of analytics.fact_title_daily: owner tally_test_other"), "\(owner.stdout)")
            try warehouse.execute("alter table \(partition) owner to tally_owner")
        }
    }

    @Test("after migrate up no function, table or view of either database belongs to a login role")
    func ownedByTheOwnerRole() async throws {
        try await withLoadFixture { fixture in
            let source = SourceWriter(connection: try fixture.source())
            try source.title(1, "A Christmas Prince")
            try source.play(try source.person(1), 1, on: try source.day(-40))
            try fixture.load()  // creates partitions through etl.ensure_days
            for database in [fixture.operational, fixture.warehouse] {
                let connection = try database.connect()
                defer { connection.close() }
                // The migration history belongs to tally_owner too; an extension's objects (dblink)
                // belong to the extension.
                let owned = try connection.query(
                    """
                    select format('%s %s.%s owned by %s', kind, nspname, name, owner) from (
                        select 'relation' kind, n.nspname, c.relname name, c.relowner owner_oid, 'pg_class'::regclass catalog, c.oid
                        from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
                        union all
                        select 'function', n.nspname, p.proname, p.proowner, 'pg_proc'::regclass, p.oid
                        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                    ) o join pg_roles r on r.oid = o.owner_oid, lateral (select r.rolname owner) x
                    where r.rolcanlogin and nspname not in ('pg_catalog', 'information_schema')
                      and nspname not like 'pg\\_%'
                      and not exists (select 1 from pg_depend d where d.classid = o.catalog and d.objid = o.oid and d.deptype = 'e')
                    order by 1
                    """
                ).rows.map { try $0.decode(0, as: String.self) }
                #expect(owned.isEmpty, "\(owned)")
            }
        }
    }

    @Test("a DBA who is no superuser is told that migrate runs as one, by up, status and verify alike")
    func nonSuperuserMigrator() async throws {
        try await withTestDatabase { db in
            try await withLoginRole(in: db) { dba, password in
                // Membership of tally_owner is what the DBA lacks; granting it would break the
                // operational guard (no login may be a member) for every database on the server.
                let admin = try db.connect()
                defer { admin.close() }
                try admin.execute("alter role \(dba) createrole; alter database \(db.name) owner to \(dba)")
                defer { _ = try? admin.execute("alter database \(db.name) owner to current_user") }
                let environment = ["TALLY_WAREHOUSE_URL": try requireLocal(db).tcpConninfo(database: db.name, user: dba, password: password)]
                let folder = repositoryRoot.appendingPathComponent("migrations").path
                func tally(_ command: String) async throws -> TallyBinary.Outcome {
                    try await TallyBinary.run(["migrate", command, "--db", "warehouse", "--dir", folder], environment: environment)
                }

                let refused = try await tally("up")
                #expect(refused.status == 1)
                #expect(
                    refused.stderr.contains("The migrating role \(dba) lacks a privilege this statement needs; the file is not at fault"), "\(refused.stderr)")
                #expect(refused.stderr.contains("tally migrate runs as a superuser"))

                let verify = try await tally("verify")
                #expect(verify.status == 1)
                #expect(verify.stderr.contains("\(dba) may not create one"), "\(verify.stderr)")

                try migrate(db, .warehouse)
                let historyOwner = try admin.query("select nspowner::regrole::text from pg_namespace where nspname = 'tally_migrations'").scalar(
                    as: String.self)
                #expect(historyOwner == "tally_owner", "the history belongs to the owner role, not to the login that migrated")
                let status = try await tally("status")
                #expect(status.status == 1)
                #expect(status.stderr.contains("\(dba) may not use the migration history (schema tally_migrations, owned by tally_owner)"), "\(status.stderr)")
                #expect(status.stderr.contains("tally migrate runs as a superuser"))
            }
        }
    }
}
