import ArgumentParser
import Foundation
import Tally

/// Workload size flags shared by `seed` and `demo`.
struct WorkloadOptions: ParsableArguments {
    @Option(help: "Accounts to create (each with 1-4 profiles). Default: 800, or 300 with --history.") var accounts: Int?
    @Option(help: "Days of events. Default: 30, or 365 × YEARS with --history.") var days: Int?
    @Option(help: "Playback events per day (weekends get more). Default: 2000, or 20 with --history.") var eventsPerDay: Int?
    @Option(
        help:
            "Years of sparse history instead of a busy month: about 20 plays a day, 5,000 archive titles almost nobody watches, three heavy viewers."
    )
    var history: Int?
    @Option(help: "Random seed: the same seed gives the same data.") var seed: UInt64 = 1
    @Option(help: "First day of events (YYYY-MM-DD); default: the last day is yesterday.") var startDate: String?

    func validate() throws {
        guard (accounts ?? 1) > 0, (days ?? 1) > 0, (eventsPerDay ?? 0) >= 0 else {
            throw ValidationError("--accounts and --days must be positive, --events-per-day not negative.")
        }
        if let history, !(1...100).contains(history) { throw ValidationError("--history takes 1 to 100 years.") }
        if history != nil && days != nil { throw ValidationError("--history YEARS sets the days (365 a year); give --days or --history, not both.") }
        if let startDate, Day(startDate) == nil { throw ValidationError("--start-date takes YYYY-MM-DD.") }
    }

    func workload() -> Workload.Options {
        var options = history.map { Workload.Options.history(years: $0) } ?? Workload.Options(days: days ?? 30)
        if let accounts { options.accounts = accounts }
        if let eventsPerDay { options.eventsPerDay = eventsPerDay }
        options.seed = seed
        if let startDate, let date = Day(startDate) { options.startDate = date }
        return options
    }
}

extension TallyCommand {
    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a deterministic synthetic workload (with fake PII) into the operational database.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var size: WorkloadOptions

        func run() async throws {
            try await mappingErrors {
                let url = try connection.configuration().url(for: .operational)
                let target = try PostgresConnection.connect(url, applicationName: "tally seed", logger: global.makeLogger())
                let started = Date()
                let written = try Workload(options: size.workload()).write(to: target)
                let seconds = Date().timeIntervalSince(started)
                print(
                    "tally seed: \(written.accounts) accounts, \(written.profiles) profiles, \(written.titles) titles, \(written.events) events, \(written.ratings) ratings in \(String(format: "%.1f", seconds)) s (\(Int(Double(written.events) / max(seconds, 0.001))) events/s)"
                )
            }
        }
    }

    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the whole product on a throwaway local PostgreSQL and print what the warehouse can tell.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var size: WorkloadOptions
        @Option(help: "Folder of the demo's local cluster.") var dir = ".tally/demo"
        @Flag(help: "Drop both demo databases and start again.") var reset = false
        @Flag(help: "Seed every day, then load once instead of night by night: the same warehouse on any date (with --start-date).")
        var oneLoad = false
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            try await mappingErrors {
                var options = Tally.Demo.Options(directory: URL(fileURLWithPath: dir), workload: size.workload())
                options.reset = reset
                options.oneLoad = oneLoad
                let isTerminal = isatty(STDOUT_FILENO) == 1
                let report = try await Tally.Demo(options: options, logger: global.makeLogger()).run { line in
                    FileHandle.standardError.write(Data("tally demo: \(line)\n".utf8))
                }
                if json {
                    print(try TerminalText.json(report))
                } else {
                    print(report.render(highlight: isTerminal))
                }
            }
        }
    }
}
