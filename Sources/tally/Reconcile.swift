import ArgumentParser
import Foundation
import Tally

extension TallyCommand {
    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the warehouse's daily facts against the loaded source rows; exit 3 when they differ.",
            discussion: """
                Compares plays, watch seconds, completed plays and thumbs per day, and those and distinct viewers per \
                day and title, between the source rows the warehouse has loaded (less its rejects) and \
                analytics.fact_title_daily. Reads both databases; needs no key file and writes nothing.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "First day to compare (YYYY-MM-DD). Default: the first day with facts.")
        var from: String?
        @Option(name: .long, help: "Last day to compare (YYYY-MM-DD). Default: the last day with facts.")
        var to: String?
        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func validate() throws {
            for (flag, value) in [("--from", from), ("--to", to)] where value != nil && Day(value ?? "") == nil {
                throw ValidationError("\(flag) takes a day as YYYY-MM-DD, not \(value ?? "").")
            }
        }

        func run() async throws {
            try await mappingErrors {
                let result = try Reconciliation.run(
                    configuration: connection.configuration(), from: from.flatMap(Day.init), to: to.flatMap(Day.init),
                    logger: global.makeLogger())
                print(json ? try TerminalText.json(result) : result.render())
                if let mismatch = result.mismatchError { throw mismatch }
            }
        }
    }
}
