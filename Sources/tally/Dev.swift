import ArgumentParser
import Foundation
import Tally

extension TallyCommand {
    struct Dev: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a throwaway local PostgreSQL for development.",
            subcommands: [Start.self, Stop.self, Status.self, Env.self]
        )
    }
}

/// The cluster folder flag shared by the dev subcommands.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of the local cluster.")
    var dir: String = ClusterOptions.defaultDirectory

    static let defaultDirectory = ".tally/demo"

    func cluster() async throws -> LocalCluster {
        try await LocalCluster(directory: URL(fileURLWithPath: dir))
    }
}

extension TallyCommand.Dev {
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start (or reuse) the local cluster and create its databases.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await mappingErrors {
                let logger = global.makeLogger()
                let cluster = try await options.cluster()
                let server = try await cluster.start(logger: logger)
                try server.ensureDatabases(LocalServer.defaultDatabases, logger: logger)
                print("PostgreSQL is running on 127.0.0.1:\(server.port) (socket folder \(server.socketDirectory)).")
                if cluster.serverDirectory != cluster.directory {
                    print("Its files are in \(cluster.serverDirectory.path): the postgres OS user cannot enter \(cluster.directory.path).")
                }
                let dirFlag = options.dir == ClusterOptions.defaultDirectory ? "" : " --dir '\(options.dir)'"
                print("Connect with:  eval \"$(swift run tally dev env\(dirFlag))\"; psql")
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the local cluster.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await mappingErrors { try await options.cluster().stop(logger: global.makeLogger()) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Say whether the local cluster runs; exit 1 when it does not.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await mappingErrors {
                guard let server = try await options.cluster().runningServer() else {
                    print("stopped")
                    throw ExitCode(1)
                }
                print("running on 127.0.0.1:\(server.port), socket folder \(server.socketDirectory)")
            }
        }
    }

    struct Env: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print shell exports for the running cluster: eval \"$(tally dev env)\".")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ClusterOptions

        func run() async throws {
            try await mappingErrors {
                guard let server = try await options.cluster().runningServer() else {
                    throw LocalClusterError(
                        code: .notInitialised, message: "the local cluster in \(options.dir) is not running; start it with: swift run tally dev start")
                }
                print(server.shellExports)
            }
        }
    }
}
