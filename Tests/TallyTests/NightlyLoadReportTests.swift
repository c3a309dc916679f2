import Testing

@testable import Tally

@Suite("Nightly load report")
struct NightlyLoadReportTests {
    static func report(extracted: Int, rejected: Int, runID: Int? = 7) -> NightlyLoad.Report {
        var report = NightlyLoad.Report()
        report.runID = runID
        report.rowsExtracted = extracted
        report.rowsRejected = rejected
        report.rowsLoaded = extracted - rejected
        return report
    }

    @Test("a reject share at or under the maximum passes", arguments: [(100, 0), (100, 5), (0, 0), (1_000_000, 50_000)])
    func underThreshold(extracted: Int, rejected: Int) {
        #expect(throws: Never.self) { try Self.report(extracted: extracted, rejected: rejected).checkRejectShare(maximum: 0.05) }
    }

    @Test("a reject share over the maximum fails with exit 3, the share, the threshold and the query to look at")
    func overThreshold() {
        let error = #expect(throws: LoadError.self) { try Self.report(extracted: 200, rejected: 25).checkRejectShare(maximum: 0.1) }
        #expect(error?.code == .committedWithProblem)
        #expect(error?.exitCode == 3)
        #expect(
            error?.message
                == "run 7 committed, but 12.5% of source rows were rejected (threshold 10.0%). See: select reason, count(*) from etl.rejects where run_id = 7 group by reason"
        )
    }

    @Test("the reject share is rejected over extracted rows, and 0 when nothing was extracted")
    func rejectShare() {
        #expect(Self.report(extracted: 0, rejected: 0).rejectShare == 0)
        #expect(Self.report(extracted: 8, rejected: 2).rejectShare == 0.25)
        #expect(throws: LoadError.self) { try Self.report(extracted: 1, rejected: 1).checkRejectShare(maximum: 0) }
    }

    @Test("the cron summary is one line with the counts, and says when nothing was committed")
    func summary() {
        var report = Self.report(extracted: 1_000, rejected: 10)
        report.daysRecomputed = 2
        report.erasuresApplied = 1
        report.duration = 12.34
        #expect(report.summary == "tally load: run 7: 1000 source rows, 990 loaded, 10 rejected, 2 days recomputed, 1 erasures applied in 12.3 s")
        report.isDryRun = true
        #expect(report.summary.hasPrefix("tally load: dry run (nothing committed): 1000 source rows"))
        #expect(!report.summary.contains("\n"))
    }
}
