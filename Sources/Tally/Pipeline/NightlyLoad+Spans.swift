import Foundation

extension NightlyLoad {
    /// Whole months in order, grouped into spans of up to `budget` rows.
    static func historySpans(_ months: [(month: Day, rows: Int)], budget: Int) -> [(days: ClosedRange<Day>, rows: Int)] {
        var spans: [(days: ClosedRange<Day>, rows: Int)] = []
        for (month, rows) in months {
            let days = month.month
            if let last = spans.last, last.rows + rows <= budget {
                spans[spans.count - 1] = (last.days.lowerBound...days.upperBound, last.rows + rows)
            } else {
                spans.append((days, rows))
            }
        }
        return spans
    }

    /// The first day whose facts a history starting on `first` can compute: nothing precedes the
    /// history, so its first week, month and streak windows are whole too.
    static func factsFrom(history first: Day, streakMax: Int) -> Day {
        min(first.weekStart, first.month.lowerBound, first.advanced(by: -Int32(streakMax - 1)))
    }

    /// Extracts the new rows, records their rejects and recomputes the facts that depend on them;
    /// returns the days recomputed. A nightly run does this once. A first load takes the source's
    /// whole history, a span of months at a time in the run's one snapshot, each span as a nightly
    /// run: while the history is read, private state is kept for the days the next span's weeks and
    /// streak windows reach back to, and what lies before those days and before the retention window
    /// is purged after each span, so memory and private state are bounded by a span, not by the
    /// length of the history.
    func loadSpans(
        from source: OperationalSource, into warehouse: PostgresConnection, run: Run, settings: LoadSettings, pseudonymiser: Pseudonymiser,
        changedDays: [Day], report: inout Report
    ) throws -> Int {
        let spans: [(days: ClosedRange<Day>?, rows: Int)]
        // The planner's statistics decide without a scan when the history fits one span (autovacuum
        // keeps them within about a fifth of the truth); otherwise one count per month does.
        if !run.isFirstLoad {
            spans = [(nil, 0)]
        } else if let estimate = try source.estimatedEvents(), estimate <= Double(historySpanRows) {
            spans = [(nil, Int(estimate))]
        } else {
            spans = Self.historySpans(try source.eventsPerMonth(businessTimeZone: settings.businessTimeZone), budget: historySpanRows)
                .map { ($0.days, $0.rows) }
        }
        let carry = Int32(max(6, settings.streakMaxDays - 1))
        let total = max(spans.reduce(0) { $0 + $1.rows }, 1)
        let started = Date()
        var done = 0
        var factsFrom: Day?
        var recomputed = 0
        for (i, span) in spans.enumerated() {
            if spans.count > 1, let days = span.days {
                let elapsed = Date().timeIntervalSince(started)
                let rate = Double(done) / max(elapsed, 0.001)
                let left = done > 0 ? ", about \(Int(Double(total - done) / rate)) s left" : ""
                try stage("history: \(days.lowerBound.description.prefix(7)) (span \(i + 1) of \(spans.count)), \(Int(rate)) rows/s\(left)")
            } else {
                try stage("extracting")
            }
            var batch: ActivityBatch? = try extract(
                from: source, run: run, settings: settings, pseudonymiser: pseudonymiser, days: span.days, report: &report)
            try Ledger(warehouse: warehouse).writeRejects(batch?.rejects ?? [], runID: run.id)
            if run.isFirstLoad, factsFrom == nil, let first = batch?.firstDay {
                factsFrom = Self.factsFrom(history: first, streakMax: settings.streakMaxDays)
            }
            try stage("recomputing facts from \(batch?.rowsAggregated ?? 0) rows")
            // The last span's rows before the retention window are needed by no later span.
            let isLast = i + 1 == spans.count
            recomputed += try FactRecompute(warehouse: warehouse, settings: settings, logger: logger)
                .run(
                    batch: &batch, days: i == 0 ? changedDays : [], factsFrom: min(factsFrom ?? run.cutoff, run.cutoff),
                    keepFrom: isLast ? run.cutoff : Day(daysSince1970: .min))
            if !isLast, let next = spans[i + 1].days?.lowerBound {
                _ = try PrivateState(warehouse: warehouse).purge(before: min(next.advanced(by: -carry), run.cutoff))
            }
            done += span.rows
        }
        return recomputed
    }
}
