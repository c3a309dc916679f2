import Foundation
import Testing

@testable import Tally

@Suite("Load status")
struct LoadStatusTests {
    static let now = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01 00:00 UTC
    static let hour: TimeInterval = 3600

    static func run(_ id: Int, _ status: String, error: String? = nil) -> LoadStatus.Run {
        LoadStatus.Run(
            runID: id, status: status, startedAt: now.addingTimeInterval(-2 * hour), finishedAt: now.addingTimeInterval(-hour),
            rowsLoaded: 1_200, rowsRejected: 3, daysRecomputed: 2, error: error)
    }

    static func status(runs: [LoadStatus.Run], lastSuccess: Date?, rejects: [String: Int] = [:]) -> LoadStatus {
        LoadStatus(
            runs: runs, lastSuccessAt: lastSuccess, lastRunFailed: runs.first?.status == "failed",
            rejectsByReason: rejects, lagSeconds: nil)
    }

    @Test("a recent success is no problem, up to and including the threshold", arguments: [1.0, 25.9, 26.0])
    func fresh(hoursAgo: Double) {
        let status = Self.status(runs: [Self.run(2, "succeeded")], lastSuccess: Self.now.addingTimeInterval(-hoursAgo * Self.hour))
        #expect(status.problem(maxAge: 26 * Self.hour, now: Self.now) == nil)
    }

    @Test("a stale last success is a problem saying how old it is and the threshold")
    func stale() {
        let status = Self.status(runs: [Self.run(2, "succeeded")], lastSuccess: Self.now.addingTimeInterval(-30.25 * Self.hour))
        #expect(status.problem(maxAge: 26 * Self.hour, now: Self.now) == "the last successful tally load finished 30.2 h ago (threshold 26 h)")
    }

    @Test("a failed last run is the problem even when the last success is recent")
    func failedRun() {
        let recent = Self.now.addingTimeInterval(-Self.hour)
        let failed = Self.status(runs: [Self.run(3, "failed", error: "relation etl.runs is locked"), Self.run(2, "succeeded")], lastSuccess: recent)
        #expect(failed.problem(maxAge: 26 * Self.hour, now: Self.now) == "the last tally load failed: relation etl.runs is locked")
        let noMessage = Self.status(runs: [Self.run(3, "failed")], lastSuccess: recent)
        #expect(noMessage.problem(maxAge: 26 * Self.hour, now: Self.now) == "the last tally load failed: see etl.runs")
    }

    @Test("a warehouse that never loaded is a problem")
    func neverLoaded() {
        #expect(Self.status(runs: [], lastSuccess: nil).problem(maxAge: 26 * Self.hour, now: Self.now) == "tally load has never succeeded on this warehouse")
        #expect(
            Self.status(runs: [Self.run(1, "running")], lastSuccess: nil).problem(maxAge: 1e9, now: Self.now)
                == "tally load has never succeeded on this warehouse")
    }

    @Test("the terminal report lists runs in columns and rejects by reason, sorted")
    func render() {
        var status = Self.status(
            runs: [Self.run(12, "failed", error: "boom"), Self.run(11, "succeeded")], lastSuccess: Self.now,
            rejects: ["unknown_profile": 4, "absurd_duration": 1])
        status.lagSeconds = 42.4
        let lines = status.render().split(separator: "\n").map(String.init)
        #expect(lines[0] == "last success: 2026-01-01 00:00:00 UTC; source lag: 42 s")
        #expect(lines[1] == "RUN  STATUS     STARTED              LOADED  REJECTED  DAYS  ERROR")
        #expect(lines[2] == "12   failed     2025-12-31 22:00:00  1200    3         2     boom")
        #expect(lines[3] == "11   succeeded  2025-12-31 22:00:00  1200    3         2     ")
        #expect(lines[4] == "rejects by reason: absurd_duration 1, unknown_profile 4")

        let never = Self.status(runs: [], lastSuccess: nil).render()
        #expect(never.hasPrefix("last success: never; source lag: unknown (no operational connection)"))
    }

    @Test("the JSON report has sorted keys and ISO-8601 dates")
    func json() throws {
        let status = Self.status(runs: [Self.run(1, "succeeded")], lastSuccess: Self.now)
        let text = try TerminalText.json(status)
        #expect(text.contains("\"lastSuccessAt\" : \"2026-01-01T00:00:00Z\""))
        #expect(text.contains("\"startedAt\" : \"2025-12-31T22:00:00Z\""))
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == ["lastRunFailed", "lastSuccessAt", "rejectsByReason", "runs"])
        let decoded = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((decoded?["runs"] as? [[String: Any]])?.first?["rowsLoaded"] as? Int == 1_200)
    }
}
