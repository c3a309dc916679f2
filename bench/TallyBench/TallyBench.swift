import ArgumentParser
import Foundation
import Logging
import Tally

@main
struct TallyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally-bench",
        abstract: "Benchmarks for Tally; each prints its figures, and bench/RESULTS.md records them.",
        subcommands: [CopyOut.self, Load.self, Seed.self]
    )
}

/// A local cluster for benchmarks, in `.tally/bench` unless a URL is given.
struct BenchServer: ParsableArguments {
    @Option(help: "Superuser connection string; default: a local cluster in .tally/bench.")
    var url: String?

    func conninfo(logger: Logger) async throws -> String {
        if let url { return url }
        let cluster = try await LocalCluster(directory: URL(fileURLWithPath: ".tally/bench"))
        return try await cluster.start(logger: logger).conninfo(database: "postgres")
    }
}

extension TallyBench {
    /// Streams COPY TO STDOUT of generated rows into a sink that only counts bytes, to show memory
    /// stays flat whatever the row count. Run it under `/usr/bin/time -v` for peak RSS.
    struct CopyOut: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "copy-out")
        @OptionGroup var server: BenchServer
        @Option(help: "Rows to generate.") var rows = 5_000_000

        func run() async throws {
            let logger = Logger(label: "bench")
            let connection = try PostgresConnection.connect(try await server.conninfo(logger: logger), logger: logger)
            let started = Date()
            var bytes = 0
            let count = try connection.copyOut(
                """
                copy (select g, g % 1000, md5(g::text), timestamptz '2026-01-01' + g * interval '1 second', g % 3 = 0
                      from generate_series(1, \(rows)) g) to stdout
                """
            ) { row in bytes += row.count }
            let seconds = Date().timeIntervalSince(started)
            print("copy-out: \(count) rows, \(bytes / 1_048_576) MiB in \(String(format: "%.2f", seconds)) s (\(Int(Double(count) / seconds)) rows/s)")
        }
    }
}
