import ArgumentParser
import Foundation
import Logging
import Tally

extension TallyBench {
    /// Seed throughput: events per second that `Workload.write` puts into a local cluster by COPY,
    /// against psql `\copy` of the same rows, from a file, into an empty copy of the indexed table.
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

            // Baseline: the server's own ingest of the same event rows, already encoded, from a file.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("tally-bench-events-\(UUID().uuidString).bin").path
            defer { try? FileManager.default.removeItem(atPath: file) }
            let columns = "profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code, ip_address, user_agent, ingested_at"
            let psql = cluster.binaries.url("psql").path
            _ = try Load.timed(
                psql,
                ["-X", "-q", "-d", conninfo, "-c", "\\copy (select \(columns) from app.playback_events order by event_id) to '\(file)' with (format binary)"],
                environment: [:])
            try connection.execute("create table public.bench_copy (like app.playback_events including all)")
            let baseline = try Load.timed(
                psql, ["-X", "-q", "-d", conninfo, "-c", "\\copy public.bench_copy (\(columns)) from '\(file)' with (format binary)"], environment: [:])
            guard baseline.status == 0 else { throw ValidationError("psql \\copy failed: \(baseline.output)") }

            let rate = Double(written.events) / seconds
            let baselineRate = Double(written.events) / baseline.seconds
            print("seed: \(written.events) events, \(written.ratings) ratings, \(written.profiles) profiles in \(String(format: "%.2f", seconds)) s")
            print("tally seed events/s                         \(Int(rate))")
            print("psql \\copy binary file into indexed table   \(Int(baselineRate)) rows/s (\(String(format: "%.2f", baseline.seconds)) s)")
            print("ratio seed/baseline                         \(String(format: "%.2f", rate / baselineRate))")
        }
    }
}
