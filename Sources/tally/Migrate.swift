import ArgumentParser
import Foundation
import Logging
import Tally

extension TallyCommand {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Versioned SQL migrations for the operational and warehouse databases.",
            subcommands: [Plan.self, Up.self, Status.self, Baseline.self, Verify.self, AcceptChecksum.self]
        )
    }
}

/// Flags every migrate subcommand shares.
struct MigrateOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Which database: operational, warehouse or all.")
    var db: DatabaseChoice = .all
    @Option(
        name: .long,
        help: "Folder holding operational/ and warehouse/ migration folders. Default: ./migrations, else <bin>/../share/tally/migrations.")
    var dir: String?
    @Option(name: .long, help: "Seconds to wait for another migrate run's lock before exiting 75.")
    var lockTimeout: Double = 60

    /// One migrator per chosen database.
    func migrators(allowOutOfOrder: Bool = false) throws -> [Migrator] {
        let configuration = connection.configuration()
        let logger = global.makeLogger()
        let root = try dir ?? MigrationRoot.resolve()
        return try db.databases.map { database in
            var migrator = Migrator(
                database: database.rawValue, directory: "\(root)/\(database.rawValue)",
                conninfo: try configuration.url(for: database), logger: logger)
            migrator.lockTimeout = lockTimeout
            migrator.allowOutOfOrder = allowOutOfOrder
            return migrator
        }
    }
}

extension TallyCommand.Migrate {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show what 'up' would apply, and how.")
        @OptionGroup var options: MigrateOptions
        @OptionGroup var order: OutOfOrderOption
        @Option(name: .long, help: "Plan up to this version only.") var to: String?
        @Flag(name: .long, help: "Print the SQL of each step.") var sql = false
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            try await mappingErrors {
                var plans: [String: [Migrator.PlannedStep]] = [:]
                for migrator in try options.migrators(allowOutOfOrder: order.allowOutOfOrder) {
                    let steps = try migrator.plan(to: to)
                    plans[migrator.database] = steps
                    if !json { print(MigrationReport.planTable(database: migrator.database, steps, includeSQL: sql)) }
                }
                if json { print(try TerminalText.json(plans)) }
            }
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations, then changed repeatables.")
        @OptionGroup var options: MigrateOptions
        @OptionGroup var order: OutOfOrderOption
        @Option(name: .long, help: "Apply up to this version only.") var to: String?

        func run() async throws {
            try await mappingErrors {
                for migrator in try options.migrators(allowOutOfOrder: order.allowOutOfOrder) {
                    let applied = try migrator.up(to: to)
                    for step in applied {
                        print("\(migrator.database): applied \(step.script) in \(String(format: "%.2f", step.duration)) s")
                    }
                    if applied.isEmpty { print("\(migrator.database): up to date, nothing to apply") }
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every migration's state, derived from the history; exit 3 when a changed or missing file needs attention.")
        @OptionGroup var options: MigrateOptions
        @Flag(name: .long, help: "Print JSON.") var json = false

        func run() async throws {
            try await mappingErrors {
                var all: [String: [MigrationStatus]] = [:]
                for migrator in try options.migrators() {
                    let statuses = try migrator.status()
                    all[migrator.database] = statuses
                    if !json { print(MigrationReport.statusTable(database: migrator.database, statuses)) }
                }
                if json { print(try TerminalText.json(all)) }
                if let attention = MigrationReport.attentionError(all) { throw attention }
            }
        }
    }

    struct Baseline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Adopt an existing database: record versions up to V as applied without running them.")
        @OptionGroup var options: MigrateOptions
        @Option(name: .long, help: "The version the database already has.") var version: String

        func run() async throws {
            try await mappingErrors {
                for migrator in try options.migrators() { try migrator.baseline(version: version) }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replay the migrations into a scratch database and report drift in the live schema (exit 3).")
        @OptionGroup var options: MigrateOptions

        func run() async throws {
            try await mappingErrors {
                var reports: [Migrator.VerifyReport] = []
                for migrator in try options.migrators() {
                    let report = try migrator.verify()
                    reports.append(report)
                    print(report.summary)
                }
                if let drift = Migrator.VerifyReport.driftError(reports) { throw drift }
            }
        }
    }

    struct AcceptChecksum: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accept-checksum",
            abstract: "Accept the new content of an applied file, with a reason kept in the history.")
        @OptionGroup var options: MigrateOptions
        @Argument(help: "The migration file whose change to accept.") var file: String
        @Option(name: .long, help: "Why the applied file changed.") var reason: String

        func run() async throws {
            try await mappingErrors {
                let migrator = try Migrator.holding(file: file, among: options.migrators())
                try migrator.acceptChecksum(file: file, reason: reason)
                print("\(migrator.database): accepted the new checksum of \(URL(fileURLWithPath: file).lastPathComponent)")
            }
        }
    }
}

/// `--allow-out-of-order`, only on the commands it affects (plan and up).
struct OutOfOrderOption: ParsableArguments {
    @Flag(name: .long, help: "Apply pending versions lower than the highest applied one (recorded).")
    var allowOutOfOrder = false
}
