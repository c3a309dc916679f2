import Foundation
import Logging
import Testing

@testable import Tally

/// What cron relies on around a load, without a server: the warehouse below is a socket that does not exist.
@Suite("scheduled load")
struct ScheduledLoadTests {
    static func scheduled(in folder: TemporaryFolder, attempts: Int = 2) throws -> (ScheduledLoad, waits: Waits) {
        let key = try folder.write("tally.key", bytes: Array(repeating: 7, count: 32), mode: 0o600)
        let nowhere = "host=\(folder.path)/no-socket port=5432 user=tally dbname=tally_warehouse connect_timeout=2"
        let configuration = TallyConfiguration(environment: [:], operationalURL: nowhere, warehouseURL: nowhere, pseudonymKeyFile: key)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var scheduled = ScheduledLoad(load: try NightlyLoad(configuration: configuration, logger: logger))
        scheduled.retries = ScheduledLoad.RetryPolicy(attempts: attempts, baseDelay: 2)
        let waits = Waits()
        scheduled.sleep = { waits.add($0) }
        return (scheduled, waits)
    }

    /// The delays a run asked to wait, instead of waiting.
    final class Waits: @unchecked Sendable {
        // Written by the load's thread only, read after the run: no concurrent access.
        var delays: [TimeInterval] = []
        func add(_ delay: TimeInterval) { delays.append(delay) }
    }

    @Test("an unreachable warehouse is retried with backoff (no real waiting), then fails with 75, naming the host")
    func retries() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (scheduled, waits) = try Self.scheduled(in: folder, attempts: 3)
        let error = #expect(throws: LoadError.self) { try scheduled.run() }
        #expect(error?.exitCode == 75, "\(error?.message ?? "")")
        #expect(error?.message.contains("no-socket") == true, "\(error?.message ?? "")")
        #expect(waits.delays.count == 2)
        #expect((1.0...3.0).contains(waits.delays[0]) && (2.0...6.0).contains(waits.delays[1]), "\(waits.delays)")
    }

    @Test("with the warehouse unreachable, the metrics file says the run failed and keeps the last success time")
    func metricsKeepLastSuccess() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let metrics = folder.file("tally.prom")
        let lastSuccess = Date(timeIntervalSince1970: 1_790_000_000)
        try LoadMetrics.write(to: metrics, report: NightlyLoad.Report(), duration: 3, lastSuccess: lastSuccess)
        var (scheduled, _) = try Self.scheduled(in: folder, attempts: 1)
        scheduled.metricsFile = metrics
        #expect(throws: LoadError.self) { try scheduled.run() }
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("tally_load_last_run_success 0"), "\(text)")
        #expect(LoadMetrics.lastSuccess(inFile: metrics) == lastSuccess, "\(text)")
    }

    @Test("a rebuild whose first day is after its last is a usage error (exit 2), before anything connects")
    func rebuildRange() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var (scheduled, _) = try Self.scheduled(in: folder)
        scheduled.rebuild = (Day(year: 2026, month: 11, day: 2), Day(year: 2026, month: 11, day: 1))
        let error = #expect(throws: LoadError.self) { try scheduled.run() }
        #expect(error?.exitCode == 2)
        #expect(error?.message.contains("--rebuild 2026-11-02 2026-11-01") == true)
    }
}
