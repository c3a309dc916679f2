import Foundation
import Testing

@testable import Tally

@Suite("Load metrics file")
struct LoadMetricsTests {
    static let lastSuccess = Date(timeIntervalSince1970: 1_767_225_600)

    /// The samples of a Prometheus text file, by metric name.
    static func samples(_ path: String) throws -> [String: Double] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { out[String(parts[0])] = value }
        }
        return out
    }

    @Test("a successful run writes every gauge with its value")
    func success() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var report = NightlyLoad.Report()
        report.runID = 7
        report.rowsExtracted = 1_000
        report.rowsLoaded = 990
        report.rowsRejected = 10
        report.daysRecomputed = 3
        report.sourceTime = Self.lastSuccess
        report.oldestUnloadedAt = Self.lastSuccess.addingTimeInterval(-5_400)
        let path = folder.file("tally.prom")
        try LoadMetrics.write(to: path, report: report, duration: 12.5, lastSuccess: Self.lastSuccess)
        #expect(
            try Self.samples(path) == [
                "tally_load_last_run_success": 1,
                "tally_load_last_success_timestamp_seconds": 1_767_225_600,
                "tally_load_duration_seconds": 12.5,
                "tally_load_rows_extracted": 1_000,
                "tally_load_rows_loaded": 990,
                "tally_load_rows_rejected": 10,
                "tally_load_days_recomputed": 3,
                "tally_load_source_lag_seconds": 5_400,
            ])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("# TYPE tally_load_last_run_success gauge"))
        #expect(text.contains("# HELP tally_load_rows_rejected Source rows sent to etl.rejects by the last run."))
        // Written through a temporary file and renamed: nothing else is left in the folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["tally.prom"])
    }

    @Test("a failed run sets success to 0, keeps the last success time and drops the row counts")
    func failure() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("tally.prom")
        try LoadMetrics.write(to: path, report: nil, duration: 3, lastSuccess: Self.lastSuccess)
        #expect(
            try Self.samples(path) == [
                "tally_load_last_run_success": 0,
                "tally_load_last_success_timestamp_seconds": 1_767_225_600,
                "tally_load_duration_seconds": 3,
            ])
    }

    @Test("with no success ever there is no last-success gauge to mislead an alert")
    func neverSucceeded() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("tally.prom")
        try LoadMetrics.write(to: path, report: nil, duration: 1, lastSuccess: nil)
        #expect(try Self.samples(path)["tally_load_last_success_timestamp_seconds"] == nil)
        #expect(try Self.samples(path)["tally_load_last_run_success"] == 0)
    }

    @Test("a run replaces the previous file; no source lag is never negative")
    func replaces() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write("tally.prom", "stale content\n")
        var report = NightlyLoad.Report()
        report.sourceTime = Self.lastSuccess
        report.oldestUnloadedAt = Self.lastSuccess.addingTimeInterval(60)  // clocks disagree
        try LoadMetrics.write(to: path, report: report, duration: 1, lastSuccess: Self.lastSuccess)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("stale content"))
        #expect(try Self.samples(path)["tally_load_source_lag_seconds"] == 0)
    }

    @Test("a folder that does not exist is a load failure naming the path (ScheduledLoad turns it into exit 3 after a commit)")
    func unwritable() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("no-such-folder/tally.prom")
        let error = #expect(throws: LoadError.self) {
            try LoadMetrics.write(to: path, report: nil, duration: 1, lastSuccess: nil)
        }
        #expect(error?.exitCode == 1)
        #expect(error?.message.hasPrefix("could not write the metrics file \(path): ") == true)
        #expect(error?.message.hasSuffix("Check that its folder exists and is writable.") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
