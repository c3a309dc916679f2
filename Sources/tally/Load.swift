import ArgumentParser
import Foundation
import Tally

extension TallyCommand {
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the nightly load: new source rows into PII-free facts, atomically.",
            discussion: "Prints one summary line on success. Exit codes: 0 ok, 1 failed (nothing committed), 2 configuration, 75 another load is running.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "HMAC key file (≥ 32 bytes, mode 600). Default: $TALLY_PSEUDONYM_KEY_FILE.")
        var keyFile: String?
        @Flag(name: .long, help: "Do everything, report what would be loaded, and commit nothing.")
        var dryRun = false
        @Option(name: .long, parsing: .upToNextOption, help: "Recompute the facts of a date range FROM TO (YYYY-MM-DD) instead of loading.")
        var rebuild: [String] = []

        func validate() throws {
            guard rebuild.isEmpty || (rebuild.count == 2 && rebuild.allSatisfy { PostgresDate($0) != nil }) else {
                throw ValidationError("--rebuild takes two days, FROM and TO, as YYYY-MM-DD.")
            }
        }

        func run() async throws {
            try await mappingErrors {
                var configuration = connection.configuration()
                if let keyFile { configuration.pseudonymKeyFile = keyFile }
                var load = try NightlyLoad(configuration: configuration, logger: global.makeLogger())
                load.isDryRun = dryRun
                let report: NightlyLoad.Report
                if let first = rebuild.first.flatMap(PostgresDate.init), let last = rebuild.last.flatMap(PostgresDate.init) {
                    report = try load.rebuild(from: first, to: last)
                    print("tally load: rebuilt \(report.daysRecomputed) days in \(String(format: "%.1f", report.duration)) s")
                } else {
                    report = try load.run()
                    print(report.summary)
                }
            }
        }
    }
}
