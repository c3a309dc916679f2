import ArgumentParser
import Foundation
import Tally

extension TallyCommand {
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the operational audit trail.", subcommands: [Verify.self])

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Recompute the audit trail's hash chain and name the first broken entry (exit 3), as a login in tally_auditor.")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var connection: ConnectionOptions

            func run() async throws {
                try await mappingErrors {
                    let url = try connection.configuration().url(for: .operational)
                    let db = try PostgresConnection.connect(url, logger: global.makeLogger())
                    defer { db.close() }
                    let chain = try AuditChain.verify(db)
                    print(chain.summary)
                    try chain.requireIntact()
                }
            }
        }
    }
}
