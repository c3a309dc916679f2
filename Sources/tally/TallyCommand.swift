import ArgumentParser
import Foundation
import Logging
import Tally

@main
struct TallyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Aggregate analytics without surveillance: PII-free facts from an operational database to a warehouse.",
        version: TallyVersion.current,
        subcommands: [Dev.self, Check.self, Migrate.self, Load.self, Status.self, Reconcile.self, Seed.self, Demo.self, Audit.self]
    )

    /// ArgumentParser's own entry point, except that usage errors exit 2 as the README documents
    /// (ArgumentParser's default is 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.usage)
            }
            exit(withError: error)
        }
    }
}

/// Flags every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .warning

    @Option(name: .long, help: "Log format on stderr: text or json.")
    var logFormat: LogFormat = .text

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    /// A logger writing to stderr at the chosen level and format.
    func makeLogger() -> Logger {
        let format = logFormat
        var logger = Logger(label: "tally") { label in
            switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
        }
        logger.logLevel = logLevel
        return logger
    }
}

// swift-format-ignore: AvoidRetroactiveConformances
// The log level is parsed from a flag; swift-log cannot depend on ArgumentParser to conform it.
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs a command body and turns a failure into one line on stderr and its documented exit code.
func mappingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        let (code, message) = ExitStatus.of(error)
        FileHandle.standardError.write(Data("tally: \(message)\n".utf8))
        throw ExitCode(code)
    }
}
