import Foundation
import Testing

@testable import Tally

/// Statuses and validation derived from the files on disk and the history rows, built in memory.
@Suite("Migration state")
struct MigrationStateTests {
    /// A migration folder holding `files` (name to content), read as a set.
    static func set(_ files: [String: String], in folder: TemporaryFolder) throws -> MigrationSet {
        for (name, content) in files { try folder.write(name, content) }
        return try MigrationSet(directory: folder.path)
    }

    static let january = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00 UTC

    /// One history row; ids follow the array order, as the table's identity column does.
    static func attempt(
        _ action: String = "apply", kind: MigrationFile.Kind = .versioned, version: String?, script: String, checksum: String?,
        success: Bool = true, outOfOrder: Bool = false, sqlState: String? = nil, errorMessage: String? = nil, errorLine: Int? = nil
    ) -> MigrationAttempt {
        MigrationAttempt(
            attemptID: 0, action: action, kind: kind, version: version, script: script, checksum: checksum, appliedBy: "dba",
            startedAt: january, durationMilliseconds: 5, success: success, outOfOrder: outOfOrder, statementsDone: nil,
            sqlState: sqlState, errorMessage: errorMessage, errorLine: errorLine, reason: nil)
    }

    /// A successful apply of `file` as it is now.
    static func applied(_ file: MigrationFile, outOfOrder: Bool = false) -> MigrationAttempt {
        attempt(kind: file.kind, version: file.version, script: file.name, checksum: file.checksum, outOfOrder: outOfOrder)
    }

    static func states(_ state: MigrationState) -> [String: MigrationStatus.State] {
        Dictionary(uniqueKeysWithValues: state.statuses().map { ($0.script, $0.state) })
    }

    static let threeFiles = [
        "V1__accounts.sql": "create table accounts (id int);\n",
        "V2__titles.sql": "create table titles (id int);\n",
        "V3__plays.sql": "create table plays (id int);\n",
        "R__views.sql": "create or replace view v as select 1;\n",
    ]

    @Test("with no history every file is pending, versioned files in version order then repeatables")
    func allPending() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let state = MigrationState(files: files, attempts: [])
        let statuses = state.statuses()
        #expect(statuses.map(\.script) == ["V1__accounts.sql", "V2__titles.sql", "V3__plays.sql", "R__views.sql"])
        #expect(statuses.allSatisfy { $0.state == .pending && $0.appliedAt == nil })
        #expect(state.pendingVersioned.map(\.name) == ["V1__accounts.sql", "V2__titles.sql", "V3__plays.sql"])
        #expect(state.pendingRepeatables.map(\.name) == ["R__views.sql"])
        #expect(throws: Never.self) { try state.validate(allowOutOfOrder: false) }
    }

    @Test("applied files are applied, with when and by whom; the rest stay pending")
    func applied() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let state = MigrationState(files: files, attempts: [Self.applied(files.versioned[0]), Self.applied(files.versioned[1])])
        let statuses = state.statuses()
        #expect(statuses[0].state == .applied)
        #expect(statuses[0].appliedAt == Self.january)
        #expect(statuses[0].appliedBy == "dba")
        #expect(Self.states(state) == ["V1__accounts.sql": .applied, "V2__titles.sql": .applied, "V3__plays.sql": .pending, "R__views.sql": .pending])
        #expect(state.pendingVersioned.map(\.name) == ["V3__plays.sql"])
        #expect(state.highestApplied == [2])
    }

    @Test("a failed last attempt is failed with its line, message and SQLSTATE; a later success makes it applied")
    func failedAttempts() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let v1 = files.versioned[0]
        let failure = Self.attempt(
            version: "1", script: v1.name, checksum: v1.checksum, success: false,
            sqlState: "42P01", errorMessage: "relation \"dim_title\" does not exist", errorLine: 42)
        let failed = MigrationState(files: files, attempts: [failure])
        let status = failed.statuses()[0]
        #expect(status.state == .failed)
        #expect(status.lastError == "line 42: relation \"dim_title\" does not exist: SQLSTATE 42P01")
        #expect(failed.pendingVersioned.first?.name == v1.name, "a failed migration is retried")

        let retried = MigrationState(files: files, attempts: [failure, Self.applied(v1)])
        #expect(retried.statuses()[0].state == .applied)
        #expect(retried.statuses()[0].lastError == nil)
    }

    @Test("an applied file whose content changed is changed, and validation refuses it with the fix")
    func changedChecksum() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let v1 = files.versioned[0]
        let oldChecksum = String(repeating: "ab", count: 32)
        let state = MigrationState(files: files, attempts: [Self.attempt(version: "1", script: v1.name, checksum: oldChecksum)])
        #expect(state.statuses()[0].state == .changed)
        let error = #expect(throws: MigrationError.self) { try state.validate(allowOutOfOrder: true) }
        #expect(error?.code == .validation)
        #expect(error?.exitCode == 3)
        #expect(
            error?.message.hasPrefix(
                "\(v1.path) was applied on 2026-01-01 00:00 UTC with checksum abababababab, but the file now has \(v1.checksum.prefix(12)).") == true)
        #expect(error?.message.contains("tally migrate accept-checksum \(v1.path) --reason") == true)
    }

    @Test("an accepted checksum makes a changed file applied again")
    func acceptedChecksum() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let v1 = files.versioned[0]
        let state = MigrationState(
            files: files,
            attempts: [
                Self.attempt(version: "1", script: v1.name, checksum: "0ld"),
                Self.attempt("accept-checksum", version: "1", script: v1.name, checksum: v1.checksum),
            ])
        #expect(state.statuses()[0].state == .applied)
        #expect(throws: Never.self) { try state.validate(allowOutOfOrder: false) }
        // An accept-checksum that failed accepts nothing.
        let notAccepted = MigrationState(
            files: files,
            attempts: [
                Self.attempt(version: "1", script: v1.name, checksum: "0ld"),
                Self.attempt("accept-checksum", version: "1", script: v1.name, checksum: v1.checksum, success: false),
            ])
        #expect(notAccepted.statuses()[0].state == .changed)
    }

    @Test("an applied version whose file is gone is missing, once, and validation refuses it")
    func missingFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(["V1__accounts.sql": "select 1;\n"], in: folder)
        let gone = Self.attempt(version: "2", script: "V2__gone.sql", checksum: "c")
        let state = MigrationState(files: files, attempts: [Self.applied(files.versioned[0]), gone, gone])
        let missing = state.statuses().filter { $0.state == .missing }
        #expect(missing.count == 1)
        #expect(missing.first?.script == "V2__gone.sql")
        #expect(missing.first?.version == "2")
        let error = #expect(throws: MigrationError.self) { try state.validate(allowOutOfOrder: true) }
        #expect(
            error?.message == "version 2 (V2__gone.sql) was applied but is missing from \(folder.path). Restore the file; applied migrations are never deleted."
        )
    }

    @Test("a baseline covers its version and those below; later ones stay pending")
    func baseline() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let v2 = files.versioned[1]
        let state = MigrationState(files: files, attempts: [Self.attempt("baseline", version: "2", script: v2.name, checksum: v2.checksum)])
        #expect(Self.states(state)["V1__accounts.sql"] == .baseline)
        #expect(Self.states(state)["V2__titles.sql"] == .baseline)
        #expect(Self.states(state)["V3__plays.sql"] == .pending)
        #expect(state.pendingVersioned.map(\.name) == ["V3__plays.sql"])
        #expect(state.highestApplied == [2])
        #expect(throws: Never.self) { try state.validate(allowOutOfOrder: false) }

        let failedBaseline = MigrationState(
            files: files,
            attempts: [
                Self.attempt("baseline", version: "2", script: v2.name, checksum: v2.checksum, success: false)
            ])
        #expect(failedBaseline.pendingVersioned.count == 3)
    }

    @Test("repeatables are applied while their checksum matches, outdated when the file changed")
    func repeatables() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let views = files.repeatables[0]
        let current = MigrationState(files: files, attempts: [Self.applied(views)])
        #expect(Self.states(current)["R__views.sql"] == .applied)
        #expect(current.pendingRepeatables.isEmpty)

        let edited = MigrationState(
            files: files,
            attempts: [
                Self.attempt(kind: .repeatable, version: nil, script: views.name, checksum: "older")
            ])
        #expect(Self.states(edited)["R__views.sql"] == .outdated)
        #expect(edited.pendingRepeatables.map(\.name) == ["R__views.sql"])
        #expect(throws: Never.self) { try edited.validate(allowOutOfOrder: false) }
    }

    @Test("a pending version below the highest applied one is refused unless out-of-order is allowed")
    func outOfOrder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let state = MigrationState(files: files, attempts: [Self.applied(files.versioned[0]), Self.applied(files.versioned[2])])
        #expect(state.pendingVersioned.map(\.name) == ["V2__titles.sql"])
        let error = #expect(throws: MigrationError.self) { try state.validate(allowOutOfOrder: false) }
        #expect(error?.code == .validation)
        #expect(
            error?.message
                == "\(files.versioned[1].path) is pending but lower than the highest applied version 3. Renumber it above, or apply it anyway with --allow-out-of-order (recorded in the history)."
        )
        #expect(throws: Never.self) { try state.validate(allowOutOfOrder: true) }

        // Once applied out of order, the status says so and validation passes.
        let after = MigrationState(files: files, attempts: state.attempts + [Self.applied(files.versioned[1], outOfOrder: true)])
        #expect(after.statuses()[1].state == .applied)
        #expect(after.statuses()[1].outOfOrder)
        #expect(throws: Never.self) { try after.validate(allowOutOfOrder: false) }
    }

    @Test("every problem is reported at once, one per line")
    func severalProblems() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let state = MigrationState(
            files: files,
            attempts: [
                Self.attempt(version: "1", script: "V1__accounts.sql", checksum: "edited"),
                Self.applied(files.versioned[2]),
                Self.attempt(version: "4", script: "V4__gone.sql", checksum: "c"),
            ])
        let error = #expect(throws: MigrationError.self) { try state.validate(allowOutOfOrder: false) }
        let lines = error?.message.split(separator: "\n") ?? []
        #expect(lines.count == 3)
        #expect(lines.contains { $0.contains("V1__accounts.sql was applied on") })
        #expect(lines.contains { $0.hasPrefix("version 4 (V4__gone.sql)") })
        #expect(lines.contains { $0.contains("V2__titles.sql is pending but lower than the highest applied version 4") })
    }

    @Test("the set orders versions numerically and repeatables by name, ignoring other files")
    func setOrder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(
            [
                "V10__ten.sql": "select 10;", "V9__nine.sql": "select 9;", "V1.1__one_one.sql": "select 1.1;", "V2__two.sql": "select 2;",
                "V1__one.sql": "select 1;", "R__b.sql": "select 'b';", "R__a.sql": "select 'a';", "README.md": "not a migration", "notes.txt": "",
            ], in: folder)
        #expect(files.versioned.map(\.name) == ["V1__one.sql", "V1.1__one_one.sql", "V2__two.sql", "V9__nine.sql", "V10__ten.sql"])
        #expect(files.repeatables.map(\.name) == ["R__a.sql", "R__b.sql"])
        #expect(files.directory == folder.path)
    }

    @Test(
        "two files with the same version are refused, even when written differently",
        arguments: [
            ("V1__a.sql", "V1__b.sql"),
            ("V1__a.sql", "V0001__b.sql"),
            ("V1.2__a.sql", "V01.02__b.sql"),
        ])
    func duplicateVersions(first: String, second: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let error = #expect(throws: MigrationError.self) { try Self.set([first: "select 1;", second: "select 2;"], in: folder) }
        #expect(error?.code == .validation)
        #expect(error?.message.contains(" share version ") == true)
        #expect(error?.message.contains(first) == true && error?.message.contains(second) == true)
        #expect(error?.message.hasSuffix("Each version may appear once: renumber one of them.") == true)
    }

    @Test("a missing folder is a usage error naming it")
    func missingFolder() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("nowhere")
        let error = #expect(throws: MigrationError.self) { try MigrationSet(directory: path) }
        #expect(error?.code == .usage)
        #expect(error?.exitCode == 2)
        #expect(error?.message == "the migration folder \(path) does not exist. Run from the repository root or pass --dir.")
    }

    @Test("the status table counts pending work and flags changed or missing files")
    func statusTable() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try Self.set(Self.threeFiles, in: folder)
        let state = MigrationState(
            files: files,
            attempts: [
                Self.attempt(version: "1", script: "V1__accounts.sql", checksum: "edited"),
                Self.applied(files.versioned[1]),
            ])
        let table = MigrationReport.statusTable(database: "warehouse", state.statuses())
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines[0] == "warehouse: 4 migrations, 2 pending, 1 need attention (changed or missing files refuse 'up')")
        #expect(lines[1].hasPrefix("VERSION  SCRIPT"))
        #expect(lines.contains { $0.hasPrefix("1        V1__accounts.sql  changed") })
        #expect(lines.contains { $0.hasPrefix("R        R__views.sql      pending") })
        #expect(MigrationReport.planTable(database: "warehouse", [], includeSQL: false) == "warehouse: up to date, nothing to apply")
    }
}
