import Foundation
import Logging

/// Applies, plans and reports the migrations of one database.
public struct Migrator {
    /// Which database, for messages (`operational` or `warehouse`).
    public let database: String
    /// The folder of migration files.
    public let directory: String
    /// The libpq connection string of the database.
    public let conninfo: String
    /// Seconds to wait for another run's lock.
    public var lockTimeout: Double = 60
    /// Apply pending versions below the highest applied one (recorded in the history).
    public var allowOutOfOrder = false
    public let logger: Logger

    /// A migrator for `database`'s folder and connection.
    public init(database: String, directory: String, conninfo: String, logger: Logger) {
        self.database = database
        self.directory = directory
        self.conninfo = conninfo
        self.logger = logger
    }

    /// One migration `up` ran.
    public struct Applied: Sendable {
        public var script: String
        public var duration: TimeInterval
    }

    /// What `plan` would run, in order.
    public struct PlannedStep: Sendable, Codable {
        public var script: String
        public var kind: MigrationFile.Kind
        public var version: String?
        public var inTransaction: Bool
        public var outOfOrder: Bool
        public var sql: String
    }

    /// The migrations `up` would run, after the same validation.
    public func plan(to target: String? = nil) throws -> [PlannedStep] {
        let set = try MigrationSet(directory: directory)
        let connection = try connect()
        defer { connection.close() }
        let state = MigrationState(files: set, attempts: try history(on: connection))
        try state.validate(allowOutOfOrder: allowOutOfOrder)
        return steps(state, to: target).map { file in
            PlannedStep(
                script: file.name, kind: file.kind, version: file.version, inTransaction: file.directives.inTransaction,
                outOfOrder: isOutOfOrder(file, state), sql: file.sql)
        }
    }

    /// Status of every migration on disk or in the history.
    public func status() throws -> [MigrationStatus] {
        let set = try MigrationSet(directory: directory)
        let connection = try connect()
        defer { connection.close() }
        return MigrationState(files: set, attempts: try history(on: connection)).statuses()
    }

    /// Applies pending versioned migrations (up to `target`), then changed repeatables.
    @discardableResult
    public func up(to target: String? = nil) throws -> [Applied] {
        let set = try MigrationSet(directory: directory)
        return try underLock(set) { connection, state in
            try state.validate(allowOutOfOrder: allowOutOfOrder)
            var applied: [Applied] = []
            for file in steps(state, to: target) {
                let started = Date()
                try apply(file, outOfOrder: isOutOfOrder(file, state), state: state, on: connection)
                applied.append(Applied(script: file.name, duration: Date().timeIntervalSince(started)))
                logger.info("applied migration", metadata: ["database": "\(database)", "script": "\(file.name)"])
            }
            MigrationHistory.handOver(on: connection)
            return applied
        }
    }

    /// Runs `body` holding the migration lock, with the history read only under it, so a run that
    /// waited sees what the other one applied.
    private func underLock<T>(_ set: MigrationSet, _ body: (PostgresConnection, MigrationState) throws -> T) throws -> T {
        let lock = try MigrationLock.acquire(conninfo: conninfo, database: database, timeout: lockTimeout, logger: logger)
        defer { lock.release() }
        let connection = try connect()
        defer { connection.close() }
        return try body(connection, MigrationState(files: set, attempts: try history(on: connection, creating: true)))
    }

    /// The history's attempts (created first when `creating`), saying what the migrating role needs
    /// when the server refuses it.
    private func history(on connection: PostgresConnection, creating: Bool = false) throws -> [MigrationAttempt] {
        do {
            if creating { try MigrationHistory.ensure(on: connection) }
            return try MigrationHistory.attempts(on: connection)
        } catch let error as PostgresError where error.sqlState == "42501" {
            let owner = try? connection.query("select nspowner::regrole::text from pg_namespace where nspname = 'tally_migrations'").rows.first?
                .decode(0, as: String.self)
            throw MigrationError(
                code: .failed,
                message:
                    "\(database): \(connection.user) may not use the migration history (schema tally_migrations\(owner.map { ", owned by \($0)" } ?? "")): \(error.message). \(Self.privilegesNeeded(by: connection.user))"
            )
        }
    }

    /// What a role needs to run migrate.
    static func privilegesNeeded(by user: String) -> String {
        "tally migrate runs as a superuser: the migrations create and grant roles and give every object to tally_owner, which no login may be a member of, so \(user) cannot act for it. Connect as a superuser (for example user=postgres); see docs/operations.md, \"Who runs tally migrate\"."
    }

    /// Records that the database already holds everything up to `version`, without running it.
    public func baseline(version: String) throws {
        let set = try MigrationSet(directory: directory)
        guard let file = set.versioned.first(where: { $0.versionParts == MigrationState.parts(version) }) else {
            throw MigrationError(code: .usage, message: "\(database): there is no migration with version \(version) in \(directory).")
        }
        try underLock(set) { connection, state in
            guard !state.attempts.contains(where: { $0.success && ($0.action == "apply" || $0.action == "baseline") && $0.kind == .versioned }) else {
                throw MigrationError(
                    code: .usage,
                    message:
                        "\(database) already has applied migrations; baseline is only for adopting a database Tally has never migrated. See tally migrate status --db \(database)."
                )
            }
            try MigrationHistory.insert(
                .init(action: "baseline", file: file, startedAt: Date(), success: true, reason: "baseline at \(version)"), on: connection)
        }
    }

    /// Accepts the current content of an applied file whose checksum changed, with an audited reason.
    /// The migrator whose folder holds `path`: by the file's folder when it is one of theirs, else by
    /// its name; an error when no folder, or more than one, holds a file of that name.
    public static func holding(file path: String, among migrators: [Migrator]) throws -> Migrator {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath()
        if let owner = migrators.first(where: { URL(fileURLWithPath: $0.directory).standardizedFileURL.resolvingSymlinksInPath() == folder }) {
            return owner
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let holders = migrators.filter { FileManager.default.fileExists(atPath: URL(fileURLWithPath: $0.directory).appendingPathComponent(name).path) }
        guard holders.count == 1, let holder = holders.first else {
            let folders = migrators.map(\.directory).joined(separator: " and ")
            throw MigrationError(
                code: .usage,
                message: holders.isEmpty
                    ? "\(path) is not a migration in \(folders). Give the file's path inside the migrations folder, and --dir when the folder is elsewhere."
                    : "\(name) is a migration of \(holders.map(\.database).joined(separator: " and ")); say which with --db.")
        }
        return holder
    }

    public func acceptChecksum(file path: String, reason: String) throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MigrationError(code: .usage, message: "accept-checksum needs --reason \"why the applied file changed\"; it is kept in the history.")
        }
        let set = try MigrationSet(directory: directory)
        let name = URL(fileURLWithPath: path).lastPathComponent
        guard let file = (set.versioned + set.repeatables).first(where: { $0.name == name }) else {
            throw MigrationError(code: .usage, message: "\(path) is not a migration in \(directory).")
        }
        try underLock(set) { connection, state in
            guard file.kind == .versioned, state.applied(version: file.versionParts) != nil else {
                throw MigrationError(code: .usage, message: "\(path) has not been applied, so there is no checksum to accept.")
            }
            try MigrationHistory.insert(.init(action: "accept-checksum", file: file, startedAt: Date(), success: true, reason: reason), on: connection)
        }
    }

    // MARK: - Applying

    private func steps(_ state: MigrationState, to target: String?) -> [MigrationFile] {
        var versioned = state.pendingVersioned
        if let target {
            let limit = MigrationState.parts(target)
            versioned = versioned.filter { !MigrationFile.versionLess(limit, $0.versionParts) }
        }
        // Repeatables (views, functions, policies) may depend on any version, so they run only
        // when every versioned migration will have been applied.
        let completes = versioned.count == state.pendingVersioned.count
        return versioned + (completes ? state.pendingRepeatables : [])
    }

    private func isOutOfOrder(_ file: MigrationFile, _ state: MigrationState) -> Bool {
        guard file.kind == .versioned, let highest = state.highestApplied else { return false }
        return MigrationFile.versionLess(file.versionParts, highest)
    }

    private func apply(_ file: MigrationFile, outOfOrder: Bool, state: MigrationState, on connection: PostgresConnection) throws {
        let statements = SQLStatementSplitter.split(file.sql)
        let started = Date()
        var record = MigrationHistory.Record(file: file, startedAt: started, success: true, outOfOrder: outOfOrder)
        if file.directives.inTransaction {
            do {
                try connection.transaction {
                    try connection.execute(
                        "set local lock_timeout = \(try connection.escapeLiteral(file.directives.lockTimeout)); set local statement_timeout = \(try connection.escapeLiteral(file.directives.statementTimeout))"
                    )
                    for statement in statements { try run(statement, of: file, on: connection) }
                    record.duration = Date().timeIntervalSince(started)
                    try MigrationHistory.insert(record, on: connection)
                }
            } catch let failure as StatementFailure {
                try recordFailure(failure, record: record, on: connection)
            }
        } else {
            // Resume after the statements a failed attempt of this same file already applied.
            let previous = state.attempts.last { $0.script == file.name && $0.action == "apply" }
            let skip = (previous?.success == false ? previous?.statementsDone : nil) ?? 0
            try connection.execute(
                "set lock_timeout = \(try connection.escapeLiteral(file.directives.lockTimeout)); set statement_timeout = \(try connection.escapeLiteral(file.directives.statementTimeout))"
            )
            defer { _ = try? connection.execute("reset lock_timeout; reset statement_timeout") }
            var done = skip
            do {
                for statement in statements.dropFirst(skip) {
                    try run(statement, of: file, on: connection)
                    done += 1
                }
            } catch let failure as StatementFailure {
                record.statementsDone = done
                try recordFailure(failure, record: record, resumeFrom: done + 1, of: statements.count, on: connection)
            }
            record.statementsDone = done
            record.duration = Date().timeIntervalSince(started)
            try MigrationHistory.insert(record, on: connection)
        }
    }

    private struct StatementFailure: Error {
        var error: PostgresError
        var line: Int
        var column: Int
    }

    private func run(_ statement: SQLStatement, of file: MigrationFile, on connection: PostgresConnection) throws {
        do {
            try connection.execute(statement.text)
        } catch {
            let location = error.position.map { statement.fileLocation(ofPosition: $0) } ?? (line: statement.line, column: statement.column)
            throw StatementFailure(error: error, line: location.line, column: location.column)
        }
    }

    private func recordFailure(
        _ failure: StatementFailure, record: MigrationHistory.Record, resumeFrom: Int? = nil, of total: Int = 0,
        on connection: PostgresConnection
    ) throws -> Never {
        var failed = record
        failed.success = false
        failed.duration = Date().timeIntervalSince(record.startedAt)
        failed.sqlState = failure.error.sqlState
        failed.errorMessage = failure.error.message
        failed.errorLine = failure.line
        try? MigrationHistory.insert(failed, on: connection)
        let e = failure.error
        var lines = ["\(database) migration \(record.file.path):\(failure.line):\(failure.column): \(e.message)\(e.sqlState.map { " (SQLSTATE \($0))" } ?? "")"]
        if let detail = e.detail { lines.append("DETAIL:  \(detail)") }
        if let hint = e.hint { lines.append("HINT:  \(hint)") }
        if let context = e.context { lines.append("CONTEXT:  \(context)") }
        if e.sqlState == "55P03" {
            lines.append(
                "Another session holds a lock this statement needs (a running tally load holds etl.watermark until it commits); the file is not at fault. Wait for it to finish and run 'tally migrate up --db \(database)' again, or stop the load's timer first (docs/operations.md, \"Upgrades\")."
            )
        } else if e.sqlState == "42501" {
            lines.append(
                "The migrating role \(connection.user) lacks a privilege this statement needs; the file is not at fault. \(Self.privilegesNeeded(by: connection.user))"
            )
        } else if let resumeFrom {
            lines.append(
                "This file runs outside a transaction: statements 1 to \(resumeFrom - 1) of \(total) stay applied, and the next 'tally migrate up' resumes at statement \(resumeFrom). Fix that statement (not the ones before it) and run it again."
            )
        } else {
            lines.append(
                "The migration was rolled back and the failed attempt recorded. Fix the file and run 'tally migrate up --db \(database)' again; see 'tally migrate status --db \(database)'."
            )
        }
        throw MigrationError(code: .failed, message: lines.joined(separator: "\n"))
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection.connect(conninfo, applicationName: "tally migrate", logger: logger)
    }
}
