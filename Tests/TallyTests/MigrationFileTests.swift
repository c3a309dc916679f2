import Foundation
import Testing

@testable import Tally

@Suite("Migration files")
struct MigrationFileTests {
    /// Writes `content` as `name` in a fresh folder and reads it as a migration file.
    static func read(_ name: String, _ content: String = "select 1;\n") throws -> MigrationFile {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        return try MigrationFile(path: try folder.write(name, content))
    }

    /// The error reading `name` throws, with the path it was written to.
    static func failure(_ name: String, _ content: String = "select 1;\n") throws -> (error: MigrationError?, path: String) {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(name, content)
        let error = #expect(throws: MigrationError.self) { try MigrationFile(path: path) }
        return (error, path)
    }

    @Test(
        "versioned and repeatable names give kind, version, numeric parts and description",
        arguments: [
            ("V0001__create_accounts.sql", MigrationFile.Kind.versioned, "0001" as String?, [1], "create accounts"),
            ("V1.2__add_index.sql", .versioned, "1.2", [1, 2], "add index"),
            ("V10.0.3__backfill.sql", .versioned, "10.0.3", [10, 0, 3], "backfill"),
            ("V7__dim__title.sql", .versioned, "7", [7], "dim  title"),
            ("R__report_views.sql", .repeatable, nil, [], "report views"),
        ])
    func names(name: String, kind: MigrationFile.Kind, version: String?, parts: [Int], description: String) throws {
        let file = try Self.read(name)
        #expect(file.name == name)
        #expect(file.kind == kind)
        #expect(file.version == version)
        #expect(file.versionParts == parts)
        #expect(file.description == description)
        #expect(file.path.hasSuffix("/" + name))
    }

    @Test(
        "a malformed name is refused with a message naming the file and the expected form",
        arguments: [
            ("create_accounts.sql", "V0001__create_accounts.sql or R__views.sql"),
            ("V0001_create_accounts.sql", "V0001__create_accounts.sql or R__views.sql"),
            ("V0001__create_accounts.txt", "V0001__create_accounts.sql or R__views.sql"),
            ("X1__thing.sql", "starts with V<version>__ or R__"),
            ("v1__lowercase.sql", "starts with V<version>__ or R__"),
            ("r__lowercase.sql", "starts with V<version>__ or R__"),
        ])
    func badNames(name: String, hint: String) throws {
        let (error, path) = try Self.failure(name)
        #expect(error?.code == .invalidFile)
        #expect(error?.exitCode == 3)
        #expect(error?.message.hasPrefix(path + ":") == true)
        #expect(error?.message.contains(hint) == true)
    }

    @Test(
        "a version that is not numbers separated by dots is refused",
        arguments: [
            "Vabc__x.sql", "V__x.sql", "V1.__x.sql", "V1..2__x.sql", "V.1__x.sql", "V1a__x.sql", "V 1__x.sql",
        ])
    func nonNumericVersions(name: String) throws {
        let (error, path) = try Self.failure(name)
        let version = String(name.dropFirst().prefix { $0 != "_" })
        #expect(error?.message == "\(path): the version '\(version)' is not numeric. Use V<number>[.<number>...]__<description>.sql.")
    }

    @Test("a version with a sign is not a version", arguments: ["V-1__x.sql", "V+1__x.sql", "V1.-2__x.sql"])
    func signedVersions(name: String) throws {
        let (error, _) = try Self.failure(name)
        #expect(error?.code == .invalidFile)
    }

    @Test("directives in the header change how the file runs; without them the defaults apply")
    func directives() throws {
        let plain = try Self.read("V1__plain.sql", "-- creates t\ncreate table t (x int);\n")
        #expect(plain.directives == MigrationFile.Directives())
        #expect(plain.directives.inTransaction)
        #expect(plain.directives.lockTimeout == "10s")
        #expect(plain.directives.statementTimeout == "15min")

        let header = """
            -- builds the index without blocking writers

            -- tally:no-transaction
            --   tally:lock-timeout   5s
            -- tally:statement-timeout 30min
            create index concurrently i on t (x);
            """
        let file = try Self.read("V2__index.sql", header)
        #expect(!file.directives.inTransaction)
        #expect(file.directives.lockTimeout == "5s")
        #expect(file.directives.statementTimeout == "30min")
    }

    @Test("directives after the first statement line are ordinary comments")
    func directivesOnlyInHeader() throws {
        let file = try Self.read("V1__late.sql", "select 1;\n-- tally:no-transaction\n-- tally:bogus\n")
        #expect(file.directives.inTransaction)
    }

    @Test(
        "an unknown or malformed directive is refused with its file and line",
        arguments: [
            ("-- tally:no-transactions", "tally:no-transactions"),
            ("-- tally:lock-timeout", "tally:lock-timeout"),
            ("-- tally:no-transaction please", "tally:no-transaction please"),
            ("-- tally:statement-timeout 1min 2min", "tally:statement-timeout 1min 2min"),
        ])
    func unknownDirective(line: String, quoted: String) throws {
        let (error, path) = try Self.failure("V1__x.sql", "-- about x\n\n\(line)\nselect 1;\n")
        #expect(error?.code == .invalidFile)
        #expect(error?.message.hasPrefix("\(path):3: unknown directive '\(quoted)'.") == true)
        #expect(error?.message.contains("Known: tally:no-transaction") == true)
    }

    @Test("the checksum is SHA-256 of the content with CRLF read as LF")
    func checksum() throws {
        let lf = try Self.read("V1__x.sql", "select 1;\n")
        // printf 'select 1;\n' | sha256sum
        #expect(lf.checksum == "4a45092ccf992ea92250053a80b931b787924ba61648f420555511b84f10ab6c")
        let crlf = try Self.read("V1__x.sql", "select 1;\r\n")
        #expect(crlf.checksum == lf.checksum)
        #expect(crlf.sql == "select 1;\n")
        // A directive on a CRLF line is still read.
        let windows = try Self.read("V2__y.sql", "-- tally:no-transaction\r\nselect 1;\r\n")
        #expect(!windows.directives.inTransaction)
    }

    @Test(
        "any edit changes the checksum, even whitespace",
        arguments: [
            "select 2;\n", "select 1;", "select 1; \n", "Select 1;\n", "select 1;\n\n",
        ])
    func checksumChangesWithEdits(edited: String) throws {
        let original = try Self.read("V1__x.sql", "select 1;\n")
        let changed = try Self.read("V1__x.sql", edited)
        #expect(changed.checksum != original.checksum)
        #expect(changed.checksum.count == 64)
    }

    @Test("a file that is not UTF-8, or is gone, is refused by path")
    func unreadable() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let latin1 = try folder.write("V1__latin1.sql", bytes: Array("select 'caf".utf8) + [0xE9] + Array("';\n".utf8))
        let error = #expect(throws: MigrationError.self) { try MigrationFile(path: latin1) }
        #expect(error?.message == "\(latin1): is not valid UTF-8.")
        let gone = folder.file("V2__gone.sql")
        let missing = #expect(throws: MigrationError.self) { try MigrationFile(path: gone) }
        #expect(missing?.message == "\(gone): cannot be read.")
    }

    @Test(
        "versions compare by number, part by part",
        arguments: [
            ([1, 2], [1, 10], true),
            ([1, 10], [1, 2], false),
            ([9], [10], true),
            ([1], [1, 0], true),
            ([1, 0], [1], false),
            ([2], [1, 9, 9], false),
            ([3], [3], false),
        ])
    func versionOrder(a: [Int], b: [Int], isLess: Bool) {
        #expect(MigrationFile.versionLess(a, b) == isLess)
    }
}
