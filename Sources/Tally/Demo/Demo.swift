import Foundation
import Logging

/// `tally demo`: a throwaway local PostgreSQL with both databases, logins, a key, migrations, a
/// seeded workload loaded night by night, and a report answering the seed's question.
public struct Demo {
    /// Where and what to run.
    public struct Options: Sendable {
        public var directory: URL
        public var workload: Workload.Options
        /// Drop both databases and start again.
        public var reset = false
        /// Seed every day, then load once (a first load takes the whole history): the same
        /// warehouse whatever the date, where loading night by night depends on the retention
        /// window around today. docs/analysts.md's outputs come from such a demo.
        public var oneLoad = false

        /// Options for a demo in `directory`.
        public init(directory: URL, workload: Workload.Options) {
            self.directory = directory
            self.workload = workload
        }
    }

    public let options: Options
    public let logger: Logger

    /// A demo with these options.
    public init(options: Options, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// The logins the demo creates, and where their passwords are kept (a .pgpass file of its own).
    public struct Logins: Sendable {
        public var server: LocalServer
        public var passfile: String
        public var keyFile: String

        /// A TCP conninfo for a demo login; the password comes from the demo's passfile.
        public func conninfo(_ database: String, as user: String) -> String {
            server.tcpConninfo(database: database, user: user) + " passfile=\(Conninfo.quote(passfile))"
        }
    }

    static let etlLogin = "tally_demo_etl"
    static let loaderLogin = "tally_demo_loader"
    static let analystLogin = "tally_demo_analyst"

    /// Runs the demo; `progress` gets one line per step (for a terminal).
    public func run(progress: (String) -> Void) async throws -> DemoReport {
        let cluster = try await LocalCluster(directory: options.directory)
        let server = try await cluster.start(logger: logger)
        if cluster.serverDirectory != cluster.directory {
            progress("the server's files are in \(cluster.serverDirectory.path): the postgres OS user cannot enter \(cluster.directory.path)")
        }
        let admin = try PostgresConnection.connect(server.conninfo(database: "postgres"), logger: logger)
        defer { admin.close() }
        if options.reset {
            for database in LocalServer.defaultDatabases {
                try admin.execute("drop database if exists \(database) with (force)")
            }
        }
        try server.ensureDatabases(LocalServer.defaultDatabases, logger: logger)
        let operationalAdmin = server.conninfo(database: "tally_operational")
        let warehouseAdmin = server.conninfo(database: "tally_warehouse")
        progress("migrating both databases")
        let migrations = try MigrationRoot.resolve()
        try Migrator(database: "operational", directory: "\(migrations)/operational", conninfo: operationalAdmin, logger: logger).up()
        try Migrator(database: "warehouse", directory: "\(migrations)/warehouse", conninfo: warehouseAdmin, logger: logger).up()
        let logins = try prepareLogins(server: server, admin: admin)

        let source = try PostgresConnection.connect(operationalAdmin, logger: logger)
        defer { source.close() }
        var configuration = TallyConfiguration(environment: [:])
        configuration.operationalURL = logins.conninfo("tally_operational", as: Self.etlLogin)
        configuration.warehouseURL = logins.conninfo("tally_warehouse", as: Self.loaderLogin)
        configuration.pseudonymKeyFile = logins.keyFile
        let load = try NightlyLoad(configuration: configuration, logger: logger)

        let seeded = try source.query("select count(*)::int from app.accounts").scalar(as: Int.self) > 0
        let workload = Workload(options: options.workload)
        if seeded {
            progress("reusing the seeded demo data (tally demo --reset starts again)")
            _ = try load.run()
        } else if options.oneLoad {
            progress("seeding \(options.workload.days) days of \(options.workload.accounts) accounts")
            let written = try workload.write(to: source)
            let report = try load.run()
            progress("one load of \(written.events) events and \(written.ratings) ratings: loaded \(report.rowsLoaded), rejected \(report.rowsRejected)")
        } else {
            progress("seeding \(options.workload.accounts) accounts and the catalogue")
            _ = try workload.writeCatalogue(to: source)
            for night in 0..<options.workload.days {
                let written = try workload.writeDay(night, to: source)
                let report = try load.run()
                progress(
                    "night \(night + 1)/\(options.workload.days): \(written.events) events and \(written.ratings) ratings arrived; run \(report.runID ?? 0) loaded \(report.rowsLoaded), rejected \(report.rowsRejected), recomputed \(report.daysRecomputed) days"
                )
            }
        }
        progress("checking a full dump of the warehouse for PII")
        let dumpFile = FileManager.default.temporaryDirectory.appendingPathComponent("tally-demo-dump-\(UUID().uuidString).sql")
        defer { try? FileManager.default.removeItem(at: dumpFile) }
        let dumped = try await ExternalCommand(
            executable: cluster.binaries.url("pg_dump"), arguments: ["-d", warehouseAdmin, "-f", dumpFile.path]
        ).run()
        guard dumped.succeeded, let dump = try? String(contentsOf: dumpFile, encoding: .utf8) else {
            throw LocalClusterError(code: .commandFailed, message: "pg_dump of the warehouse failed: \(dumped.tail)")
        }
        let warehouse = try PostgresConnection.connect(warehouseAdmin, logger: logger)
        defer { warehouse.close() }
        let analyst = try PostgresConnection.connect(logins.conninfo("tally_warehouse", as: Self.analystLogin), logger: logger)
        defer { analyst.close() }
        return try DemoReport.build(
            analyst: analyst, warehouse: warehouse, dump: dump, canary: workload.canary,
            bingeDays: options.workload.bingeDays, logins: logins)
    }

    /// Login roles with generated passwords kept in the demo folder's own passfile (mode 600),
    /// and the pseudonym key file. Re-running keeps both.
    func prepareLogins(server: LocalServer, admin: PostgresConnection) throws -> Logins {
        // Secrets sit beside the cluster folder, not in it: that folder belongs to the server's OS user.
        let base = options.directory.deletingLastPathComponent()
        let name = options.directory.lastPathComponent
        let passfile = base.appendingPathComponent("\(name).pgpass").path
        let keyFile = base.appendingPathComponent("\(name).key").path
        let fm = FileManager.default
        if !fm.fileExists(atPath: keyFile) {
            var random = SystemRandomNumberGenerator()
            let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
            guard fm.createFile(atPath: keyFile, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
                throw ConfigurationError(message: "could not write the demo key file \(keyFile)")
            }
        }
        var passwords: [String: String] = [:]
        if let text = try? String(contentsOfFile: passfile, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: ":", omittingEmptySubsequences: false)
                if parts.count == 5 { passwords[String(parts[3])] = String(parts[4]) }
            }
        }
        let roles = [(Self.etlLogin, "tally_etl_reader"), (Self.loaderLogin, "tally_loader"), (Self.analystLogin, "tally_analyst")]
        var lines: [String] = []
        for (login, group) in roles {
            let password = passwords[login] ?? UUID().uuidString.replacingOccurrences(of: "-", with: "")
            try admin.execute(
                """
                do $$ begin create role \(login) login; exception when duplicate_object then null; end $$;
                alter role \(login) password \(try admin.escapeLiteral(password));
                grant \(group) to \(login);
                """)
            lines.append("127.0.0.1:\(server.port):*:\(login):\(password)")
        }
        guard
            fm.createFile(
                atPath: passfile, contents: Data((lines.joined(separator: "\n") + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else {
            throw ConfigurationError(message: "could not write the demo passfile \(passfile)")
        }
        chmod(passfile, 0o600)
        return Logins(server: server, passfile: passfile, keyFile: keyFile)
    }
}
