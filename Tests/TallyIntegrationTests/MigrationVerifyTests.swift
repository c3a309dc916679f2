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
        """

    @Test(
        "clean right after up; each hand-made change is drift with exit 3",
        arguments: [
            ("policy expression", "alter policy by_plan on app.accounts using (plan = 'premium')", "policy app.accounts.by_plan"),
            ("no force rls", "alter table app.accounts no force row level security", "relation app.accounts"),
            ("column grant on PII", "grant select (email) on app.accounts to public", "column app.accounts.email"),
            ("function search_path", "alter function app.touch() set search_path = public", "function app.touch()"),
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

            let parent = folder.url.deletingLastPathComponent().appendingPathComponent("tally-verify-\(UUID().uuidString.prefix(6))")
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: parent) }
            try FileManager.default.createSymbolicLink(atPath: parent.appendingPathComponent("warehouse").path, withDestinationPath: folder.url.path)
            let outcome = try await TallyBinary.run(
                ["migrate", "verify", "--db", "warehouse", "--dir", parent.path], environment: ["TALLY_WAREHOUSE_URL": db.conninfo])
            #expect(outcome.status == 3)
            #expect(outcome.stdout.contains(object))
        }
    }
}
