import ArgumentParser
import Foundation
import Logging
import Tally

extension TallyBench {
    /// Seed throughput: events per second that `Workload.write` puts into a local cluster by COPY.
    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "seed")
        @Option(help: "Accounts.") var accounts = 20_000
        @Option(help: "Days.") var days = 30
        @Option(help: "Events per day.") var eventsPerDay = 100_000

        func run() async throws {
            var logger = Logger(label: "bench")
            logger.logLevel = .warning
            let cluster = try await LocalCluster(directory: URL(fileURLWithPath: ".tally/bench"))
            let server = try await cluster.start(logger: logger)
            let admin = try PostgresConnection.connect(server.conninfo(database: "postgres"), logger: logger)
            try admin.execute("drop database if exists bench_seed with (force)")
            try admin.execute("create database bench_seed")
            let conninfo = server.conninfo(database: "bench_seed")
            try Migrator(database: "operational", directory: "migrations/operational", conninfo: conninfo, logger: logger).up()
            var options = Workload.Options(days: days)
            options.accounts = accounts
            options.eventsPerDay = eventsPerDay
            let connection = try PostgresConnection.connect(conninfo, logger: logger)
            let started = Date()
            let written = try Workload(options: options).write(to: connection)
            let seconds = Date().timeIntervalSince(started)
            print("seed: \(written.events) events, \(written.ratings) ratings, \(written.profiles) profiles in \(String(format: "%.2f", seconds)) s")
            print("events/s: \(Int(Double(written.events) / seconds))")
        }
    }
}
