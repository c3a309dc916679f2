import ArgumentParser
import Foundation
import Tally

extension TallyCommand {
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the nightly load: new source rows into PII-free facts, atomically.",
            discussion: """
                Prints one summary line on success (none with --quiet) and one line on stderr on failure.
                Exit codes: 0 ok; 1 failed, nothing committed; 2 usage or configuration; 3 committed but rejects \
                above --max-reject-share; 75 another load holds the lock, or a transient failure persisted after \
                retries; 130/143 interrupted by SIGINT/SIGTERM, rolled back.
                """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var connection: ConnectionOptions
        @Option(name: .long, help: "HMAC key file (≥ 32 bytes, mode 600). Default: $TALLY_PSEUDONYM_KEY_FILE.")
        var keyFile: String?
        @Flag(name: .long, help: "Do everything, report what would be loaded, and commit nothing.")
        var dryRun = false
        @Option(name: .long, parsing: .upToNextOption, help: "Recompute the facts of a date range FROM TO (YYYY-MM-DD) instead of loading.")
        var rebuild: [String] = []
        @Option(
            name: .long, parsing: .upToNextOption,
            help: "Also recompute the facts of FROM TO (YYYY-MM-DD) from every source row, however old: history that arrived late.")
        var backfill: [String] = []
        @Flag(name: .long, help: "Print nothing on success (cron mails any output).")
        var quiet = false
        @Option(name: .long, help: "Write Prometheus text metrics here (atomically) for node_exporter's textfile collector.")
        var metricsFile: String?
        @Option(name: .long, help: "Exit 3 when more than this share of source rows is rejected (the run still commits).")
        var maxRejectShare = 0.05
        @Option(name: .long, help: "Attempts for transient failures (connection lost, serialization, shutdown).")
        var attempts = 3
        @Option(
            name: .long,
            help:
                "A first load or a backfill reads history in spans of whole months of at most this many source rows; each span commits (what a kill loses), and bounds $TMPDIR: 60 bytes a row at most during the extract."
        )
        var historySpanRows = NightlyLoad.defaultHistorySpanRows
        @Option(
            name: .long,
            help: ArgumentHelp(
                "What the load may hold in memory, as 512M or 2G. A larger batch spills to $TMPDIR; a larger recompute runs a group of people at a time.",
                valueName: "size"))
        var memoryBudget = MemoryBudget.standard.description

        func validate() throws {
            guard rebuild.isEmpty || (rebuild.count == 2 && rebuild.allSatisfy { Day($0) != nil }) else {
                throw ValidationError("--rebuild takes two days, FROM and TO, as YYYY-MM-DD.")
            }
            guard backfill.isEmpty || (backfill.count == 2 && backfill.allSatisfy { Day($0) != nil }) else {
                throw ValidationError("--backfill takes two days, FROM and TO, as YYYY-MM-DD.")
            }
            if backfill.count == 2, let first = Day(backfill[0]), let last = Day(backfill[1]), first > last {
                throw ValidationError("--backfill \(first) \(last): the first day is after the last one.")
            }
            guard rebuild.isEmpty || backfill.isEmpty else {
                throw ValidationError("--rebuild and --backfill are two different runs: give one of them.")
            }
            guard (0...1).contains(maxRejectShare) else { throw ValidationError("--max-reject-share is a share between 0 and 1.") }
            guard attempts >= 1 else { throw ValidationError("--attempts must be at least 1.") }
            guard historySpanRows >= 1 else { throw ValidationError("--history-span-rows must be at least 1.") }
            guard MemoryBudget(memoryBudget) != nil else {
                throw ValidationError(
                    "--memory-budget \(memoryBudget): give a size such as 512M or 2G, of at least \(MemoryBudget.minimumBytes >> 20)M.")
            }
        }

        func run() async throws {
            let control = RunControl()
            let signals = SignalWatch(control: control)
            defer { signals.stop() }
            try await mappingErrors {
                var configuration = connection.configuration()
                if let keyFile { configuration.pseudonymKeyFile = keyFile }
                var load = try NightlyLoad(configuration: configuration, logger: global.makeLogger())
                load.isDryRun = dryRun
                load.control = control
                load.historySpanRows = historySpanRows
                if let budget = MemoryBudget(memoryBudget) { load.memoryBudget = budget }
                if let first = backfill.first.flatMap(Day.init), let last = backfill.last.flatMap(Day.init) { load.backfill = first...last }
                let showsProgress = isatty(STDERR_FILENO) == 1 && !quiet
                if showsProgress {
                    load.progress = { stage in FileHandle.standardError.write(Data("\r\u{1B}[2Ktally load: \(stage) ...".utf8)) }
                }
                var scheduled = ScheduledLoad(load: load)
                scheduled.retries = ScheduledLoad.RetryPolicy(attempts: attempts)
                scheduled.metricsFile = metricsFile
                scheduled.maxRejectShare = maxRejectShare
                if let first = rebuild.first.flatMap(Day.init), let last = rebuild.last.flatMap(Day.init) {
                    scheduled.rebuild = (first, last)
                }
                defer { if showsProgress { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) } }
                let summary = try scheduled.run()
                if !quiet { print(summary) }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recent load runs, source lag and rejects; --check exits 1 when the load is stale or failed.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var connection: ConnectionOptions
        @Flag(name: .long, help: "For monitoring: exit 1 when the last run failed or the last success is too old.")
        var check = false
        @Option(name: .long, help: "With --check: hours after which the last success is stale.")
        var maxAgeHours = 26.0
        @Flag(name: .long, help: "Print JSON.")
        var json = false

        func run() async throws {
            try await mappingErrors {
                let status = try LoadStatus.read(configuration: connection.configuration(), logger: global.makeLogger())
                print(json ? try TerminalText.json(status) : status.render())
                if check, let problem = status.problem(maxAge: maxAgeHours * 3600) {
                    FileHandle.standardError.write(Data("tally status: \(problem)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
    }
}

/// Turns SIGINT and SIGTERM into a rollback: the load's statements are cancelled, it rolls back,
/// its lock goes with its transaction, and the process exits 130 or 143.
final class SignalWatch {
    private let sources: [DispatchSourceSignal]

    init(control: RunControl) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { control.interrupt(by: number) }
            source.resume()
            return source
        }
    }

    func stop() {
        for source in sources { source.cancel() }
    }
}
