import ArgumentParser
import Foundation
import Tally

/// Connection flags; they override TALLY_OPERATIONAL_URL and TALLY_WAREHOUSE_URL.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Operational database (libpq connection string or URI). Default: $TALLY_OPERATIONAL_URL.")
    var operationalURL: String?

    @Option(name: .long, help: "Warehouse database (libpq connection string or URI). Default: $TALLY_WAREHOUSE_URL.")
    var warehouseURL: String?

    func configuration() -> TallyConfiguration {
        TallyConfiguration(
            environment: ProcessInfo.processInfo.environment,
            operationalURL: operationalURL, warehouseURL: warehouseURL)
    }
}

/// `--db operational|warehouse|all`.
enum DatabaseChoice: String, ExpressibleByArgument, CaseIterable {
    case operational, warehouse, all

    var databases: [TallyConfiguration.Database] {
        switch self {
        case .operational: [.operational]
        case .warehouse: [.warehouse]
        case .all: [.operational, .warehouse]
        }
    }
}

extension TallyCommand {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to the configured databases and say who and where Tally is connected.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "Which database: operational, warehouse or all.")
        var db: DatabaseChoice = .all

        func run() async throws {
            try await mappingErrors {
                let configuration = connection.configuration()
                for database in db.databases {
                    print(try ConnectionCheck.run(database, configuration: configuration, logger: global.makeLogger()).summary)
                }
            }
        }
    }
}
