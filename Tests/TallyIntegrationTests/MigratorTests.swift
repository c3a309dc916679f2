import Foundation
import Logging
import Testing

@testable import Tally

@Suite("tally migrate", .enabled(if: TestServer.isAvailable))
struct MigratorTests {
    @Test("up applies pending files once; a second up applies nothing")
    func upTwice() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__create_a.sql", "create table a (id int);")
            try folder.write("V0002__create_b.sql", "create table b (id int);\ninsert into a values (1);")
            let first = try folder.migrator(for: db).up()
            #expect(first.map(\.script) == ["V0001__create_a.sql", "V0002__create_b.sql"])
            let second = try folder.migrator(for: db).up()
            #expect(second.isEmpty)
            let connection = try db.connect()
            #expect(try connection.query("select count(*)::int from a").scalar(as: Int.self) == 1)
            let history = try connection.query("select count(*)::int from tally_migrations.history where success").scalar(as: Int.self)
            #expect(history == 2)
        }
    }

    @Test("V0014 moves existing private state to person keys: one key per pseudonym with its last day, every row kept")
    func personKeysMigration() async throws {
        try await withTestDatabase { db in
            let warehouse = Migrator(
                database: "warehouse", directory: repositoryRoot.appendingPathComponent("migrations/warehouse").path,
                conninfo: db.conninfo, logger: quietLogger())
            try warehouse.up(to: "13")
            let connection = try db.connect()
            try connection.execute(
                """
                insert into private.activity (day, title_id, pseudonym, device_key, region_key, audience_key,
                                              plays, completed_plays, watch_seconds, thumbs_up, thumbs_down)
                values ('2026-11-01', 1, decode(repeat('bb', 32), 'hex'), 1, 1, 1, 1, 0, 100, 0, 0),
                       ('2026-11-03', 2, decode(repeat('bb', 32), 'hex'), 1, 1, 1, 2, 1, 300, 0, 0),
                       ('2026-11-02', 1, decode(repeat('aa', 32), 'hex'), 2, 1, 1, 0, 0, 0, 1, 0)
                """)
            try warehouse.up()
            let people = try connection.query(
                "select left(encode(pseudonym, 'hex'), 4) || ' ' || person_key || ' ' || last_day from private.people order by person_key"
            ).rows.map { try $0.decode(0, as: String.self) }
            #expect(people == ["aaaa 1 2026-11-02", "bbbb 2 2026-11-03"])
            let activity = try connection.query(
                "select person_key || ' ' || day || ' ' || title_id || ' ' || plays || ' ' || watch_seconds from private.activity order by day"
            ).rows.map { try $0.decode(0, as: String.self) }
            #expect(activity == ["2 2026-11-01 1 1 100", "1 2026-11-02 1 0 0", "2 2026-11-03 2 2 300"])
            let pseudonymColumn = try connection.query(
                "select count(*)::int from information_schema.columns where table_schema = 'private' and table_name = 'activity' and column_name = 'pseudonym'"
            ).scalar(as: Int.self)
            #expect(pseudonymColumn == 0, "activity rows no longer hold pseudonyms")
        }
    }

    @Test("two concurrent runs: one applies, the other waits and then finds nothing pending")
    func concurrentUp() async throws {
        try await withMigrations { db, folder in
            // A barrier instead of a sleep: the first run holds the migration lock while its file
            // waits for an advisory lock that the test releases once the second run is waiting.
            try folder.write("V0001__slow.sql", "select pg_advisory_xact_lock(4242);\ncreate table slow (id int);")
            let barrier = try PostgresConnection.connect(db.conninfo, logger: quietLogger())
            defer { barrier.close() }
            try barrier.query("select pg_advisory_lock(4242)")
            async let a = onThread { try folder.migrator(for: db).up().count }
            async let b = onThread { try folder.migrator(for: db).up().count }
            // Both runs are in: one waits in its file on 4242, the other on the migration lock.
            var waiting = 0
            for _ in 0..<600 where waiting < 2 {
                waiting = try barrier.query(
                    "select count(*)::int from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())"
                ).scalar(as: Int.self)
                if waiting < 2 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(waiting == 2)
            try barrier.query("select pg_advisory_unlock(4242)")
            let counts = try await [a, b].sorted()
            #expect(counts == [0, 1])
        }
    }

    @Test("with a short --lock-timeout the waiting run exits 75 and names the holder")
    func lockTimeoutExit() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__slow.sql", "select 1;")
            // Hold the migration lock the way a running migrate does: a session lock on its key.
            let holder = try PostgresConnection.connect(db.conninfo, applicationName: "tally migrate", logger: quietLogger())
            try holder.query("select pg_advisory_lock($1)", [MigrationLock.key])
            let outcome = try await TallyBinary.run(
                ["migrate", "up", "--db", "warehouse", "--dir", folder.root.path, "--lock-timeout", "0.5"],
                environment: ["TALLY_WAREHOUSE_URL": db.conninfo])
            #expect(outcome.status == 75)
            #expect(outcome.stderr.contains("another tally migrate holds the migration lock (pid \(holder.backendPID), "))
            #expect(outcome.stderr.contains("application tally migrate"))
            #expect(outcome.stderr.split(separator: "\n").count == 1)
            try holder.query("select pg_advisory_unlock($1)", [MigrationLock.key])
            #expect(try folder.migrator(for: db, lockTimeout: 1).up().count == 1, "free again once the holder lets go")
        }
    }

    @Test("a failing migration rolls back entirely, records the attempt, and points at line 40")
    func failingMigration() async throws {
        try await withMigrations { db, folder in
            var lines = [
                "-- header comment; with a semicolon",
                "create table made_first (id int);",
                "/* a block comment ; /* nested ; */ still comment */",
                "create function f(x int) returns int language plpgsql as $body$",
                "begin",
                "    -- inside the body; 'quoted' and \"ident\";",
                "    return x + 1;",
                "end",
                "$body$;",
                "create function g() returns text language sql as $$ select 'a;b' $$;",
                "insert into made_first values (1); insert into made_first values (2);",
                "select E'it\\'s; fine', 'it''s; fine', $tag$ $$ ; $tag$;",
            ]
            while lines.count < 39 { lines.append("insert into made_first values (\(lines.count));") }
            lines.append("insert into made_first select id from no_such_table;")
            lines.append("create table never (id int);")
            try folder.write("V0001__broken.sql", lines.joined(separator: "\n"))
            let error = #expect(throws: MigrationError.self) { try folder.migrator(for: db).up() }
            #expect(error?.exitCode == 1)
            #expect(
                error?.message.hasPrefix(
                    "warehouse migration \(folder.url.path)/V0001__broken.sql:40:39: relation \"no_such_table\" does not exist (SQLSTATE 42P01)") == true,
                "\(error?.message ?? "")")
            let connection = try db.connect()
            #expect(try connection.query("select to_regclass('made_first') is null").scalar(as: Bool.self), "rolled back entirely")
            let row = try connection.query("select success, sqlstate, error_line from tally_migrations.history")[0]
            #expect(try row.decode(0, as: Bool.self) == false)
            #expect(try row.decode(1, as: String.self) == "42P01")
            #expect(try row.decode(2, as: Int.self) == 40)
            let status = try folder.migrator(for: db).status()
            #expect(status.first?.state == .failed)
        }
    }

    @Test("an edited applied file is refused; accept-checksum lets it through and is recorded")
    func changedChecksum() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__a.sql", "create table a (id int);")
            try folder.migrator(for: db).up()
            try folder.write("V0001__a.sql", "create table a (id bigint);")
            try folder.write("V0002__b.sql", "create table b (id int);")
            let error = #expect(throws: MigrationError.self) { try folder.migrator(for: db).up() }
            #expect(error?.exitCode == 3)
            #expect(error?.message.contains("Applied migrations must not change") == true)
            #expect(error?.message.contains("tally migrate accept-checksum") == true)
            let connection = try db.connect()
            #expect(try connection.query("select to_regclass('b') is null").scalar(as: Bool.self), "nothing applied after a refusal")

            try folder.migrator(for: db).acceptChecksum(file: folder.url.appendingPathComponent("V0001__a.sql").path, reason: "type widened by hand in prod")
            #expect(try folder.migrator(for: db).up().map(\.script) == ["V0002__b.sql"])
            let reason = try connection.query("select reason from tally_migrations.history where action = 'accept-checksum'").scalar(as: String.self)
            #expect(reason == "type widened by hand in prod")
        }
    }

    @Test("an applied version missing from disk and duplicate versions are refused")
    func missingAndDuplicate() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__a.sql", "create table a (id int);")
            try folder.migrator(for: db).up()
            try FileManager.default.removeItem(at: folder.url.appendingPathComponent("V0001__a.sql"))
            let missing = #expect(throws: MigrationError.self) { try folder.migrator(for: db).up() }
            #expect(missing?.message.contains("was applied but is missing") == true)
            try folder.write("V0001__a.sql", "create table a (id int);")
            try folder.write("V1__again.sql", "select 1;")
            let duplicate = #expect(throws: MigrationError.self) { try folder.migrator(for: db).up() }
            #expect(duplicate?.message.contains("share version") == true)
        }
    }

    @Test("an out-of-order version is refused by default, and recorded when allowed")
    func outOfOrder() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__a.sql", "create table a (id int);")
            try folder.write("V0003__c.sql", "create table c (id int);")
            try folder.migrator(for: db).up()
            try folder.write("V0002__b.sql", "create table b (id int);")
            let error = #expect(throws: MigrationError.self) { try folder.migrator(for: db).up() }
            #expect(error?.message.contains("--allow-out-of-order") == true)
            var migrator = folder.migrator(for: db)
            migrator.allowOutOfOrder = true
            #expect(try migrator.up().map(\.script) == ["V0002__b.sql"])
            #expect(try migrator.status().first { $0.script == "V0002__b.sql" }?.outOfOrder == true)
        }
    }

    @Test("a changed repeatable is re-applied, and only it")
    func repeatables() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__t.sql", "create table t (id int); insert into t values (1), (2);")
            try folder.write("R__a_view.sql", "create or replace view v_a as select count(*) as n from t;")
            try folder.write("R__b_view.sql", "create or replace view v_b as select max(id) as m from t;")
            #expect(try folder.migrator(for: db).up().map(\.script) == ["V0001__t.sql", "R__a_view.sql", "R__b_view.sql"])
            try folder.write("R__b_view.sql", "create or replace view v_b as select max(id) as m, min(id) as lo from t;")
            #expect(try folder.migrator(for: db).up().map(\.script) == ["R__b_view.sql"])
            #expect(try db.connect().query("select lo from v_b").scalar(as: Int.self) == 1)
            #expect(try folder.migrator(for: db).up().isEmpty)
        }
    }

    @Test("a no-transaction file runs create index concurrently, and a failure says where to resume")
    func noTransaction() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__t.sql", "create table t (id int);")
            try folder.write(
                "V0002__index.sql",
                """
                -- tally:no-transaction
                -- tally:lock-timeout 2s
                create index concurrently t_id on t (id);
                create index concurrently t_bad on t (no_such_column);
                """)
            let error = #expect(throws: MigrationError.self) { try folder.migrator(for: db).up() }
            #expect(error?.message.contains("V0002__index.sql:4:") == true)
            #expect(error?.message.contains("resumes at statement 2") == true)
            try folder.write(
                "V0002__index.sql",
                """
                -- tally:no-transaction
                -- tally:lock-timeout 2s
                create index concurrently t_id on t (id);
                create index concurrently t_id2 on t (id);
                """)
            #expect(try folder.migrator(for: db).up().map(\.script) == ["V0002__index.sql"])
            let indexes = try db.connect().query("select string_agg(indexname, ',' order by indexname) from pg_indexes where tablename = 't'").scalar(
                as: String.self)
            #expect(indexes == "t_id,t_id2")
        }
    }

    @Test("baseline adopts an existing database; later versions still apply")
    func baseline() async throws {
        try await withMigrations { db, folder in
            try db.connect().execute("create table a (id int)")
            try folder.write("V0001__a.sql", "create table a (id int);")
            try folder.write("V0002__b.sql", "create table b (id int);")
            try folder.migrator(for: db).baseline(version: "0001")
            #expect(try folder.migrator(for: db).up().map(\.script) == ["V0002__b.sql"])
            #expect(try folder.migrator(for: db).status().map(\.state) == [.baseline, .applied])
        }
    }

    @Test("status and plan read at a glance, and their --json parses")
    func statusAndPlanOutput() async throws {
        try await withMigrations { db, folder in
            try folder.write("V0001__a.sql", "create table a (id int);")
            try folder.write("V0002__b.sql", "-- tally:no-transaction\ncreate table b (id int);")
            try folder.migrator(for: db).up(to: "0001")
            let parent = folder.root
            let env = ["TALLY_WAREHOUSE_URL": db.conninfo]
            let status = try await TallyBinary.run(["migrate", "status", "--db", "warehouse", "--dir", parent.path], environment: env)
            #expect(status.status == 0, "\(status.stderr)")
            let lines = status.stdout.split(separator: "\n")
            #expect(lines.first == "warehouse: 2 migrations, 1 pending")
            #expect(lines[1].hasPrefix("VERSION  SCRIPT        STATE"))
            #expect(lines[2].hasPrefix("0001     V0001__a.sql  applied"))
            #expect(lines[3].hasPrefix("0002     V0002__b.sql  pending"))
            let plan = try await TallyBinary.run(["migrate", "plan", "--db", "warehouse", "--dir", parent.path], environment: env)
            #expect(plan.stdout.contains("0002     V0002__b.sql  none (statement by statement)"))
            for command in ["status", "plan"] {
                let json = try await TallyBinary.run(["migrate", command, "--db", "warehouse", "--dir", parent.path, "--json"], environment: env)
                let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [[String: Any]]]
                #expect(parsed?["warehouse"]?.isEmpty == false, "\(command) --json")
            }
        }
    }
}
