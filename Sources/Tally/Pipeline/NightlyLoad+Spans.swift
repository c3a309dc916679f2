import Foundation

extension NightlyLoad {
    /// The history a run reads in full, besides the rows new since the last run: the whole source
    /// on a first load (every bound nil), a range of days on a backfill.
    struct History: Equatable {
        /// The first day read; nil from the source's first.
        var readFrom: Day?
        /// The last day whose facts the rows read change; nil for all. The days after it are read
        /// only for the weeks and streak windows that reach past it.
        var touchTo: Day?
        /// The last day read; nil for all.
        var readTo: Day?
        /// When resuming: the first day not read yet.
        var nextDay: Day?
        /// The first day whose facts are computed (on a first load, known once the first span is read).
        var factsFrom: Day?

        /// The history that `tally load --backfill` reads to recompute the facts of `days` exactly,
        /// with the weeks, months and streak windows they belong to: from the streak window before
        /// the first week or month, to the last month's end, or the day before the retention window
        /// (from which private state holds the rows); and a streak window or a week more, to compute
        /// what reaches past it.
        init(backfill days: ClosedRange<Day>, cutoff: Day, streakMax: Int) throws {
            let first = min(days.lowerBound.weekStart, days.lowerBound.month.lowerBound).advanced(by: -Int32(streakMax - 1))
            let lastBefore = cutoff.advanced(by: -1)
            guard days.lowerBound < cutoff else {
                throw LoadError(
                    code: .usage,
                    message:
                        "--backfill \(days.lowerBound) \(days.upperBound): days from \(cutoff) on are within the retention window, where every nightly load already takes new rows, however late. Backfill days before \(cutoff)."
                )
            }
            readFrom = first
            touchTo = min(days.upperBound.month.upperBound, lastBefore)
            readTo = min(days.upperBound.month.upperBound.advanced(by: Int32(max(6, streakMax - 1))), lastBefore)
            factsFrom = first
        }

        init(readFrom: Day? = nil, touchTo: Day? = nil, readTo: Day? = nil, nextDay: Day? = nil, factsFrom: Day? = nil) {
            self.readFrom = readFrom
            self.touchTo = touchTo
            self.readTo = readTo
            self.nextDay = nextDay
            self.factsFrom = factsFrom
        }

        var isBackfill: Bool { readFrom != nil }
        /// The days read, for the nightly part of the run to skip.
        var days: ClosedRange<Day>? { readFrom.flatMap { from in readTo.map { from...$0 } } }
    }

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

    /// The spans a run's history is read in, in order: whole months of up to `historySpanRows`
    /// rows, from where it starts (or resumes) to where it ends. The planner's statistics decide
    /// without a scan when a whole first load fits one span (autovacuum keeps them within about a
    /// fifth of the truth); otherwise one count per month does. The days a backfill reads past
    /// `touchTo` belong to the last span, which computes what reaches into them.
    func historySpans(_ history: History, source: OperationalSource, settings: LoadSettings) throws -> [(days: ClosedRange<Day>?, rows: Int)] {
        if history == History(), let estimate = try source.estimatedEvents(), estimate <= Double(historySpanRows) {
            return [(nil, Int(estimate))]
        }
        let start = [history.readFrom, history.nextDay].compactMap { $0 }.max()
        let months = try source.eventsPerMonth(businessTimeZone: settings.businessTimeZone).filter { month, _ in
            start.map { month.month.upperBound >= $0 } ?? true && history.readTo.map { month <= $0 } ?? true
        }
        var spans = Self.historySpans(months, budget: historySpanRows)
        if let touchTo = history.touchTo, spans.count > 1, spans[spans.count - 1].days.lowerBound > touchTo {
            let tail = spans.removeLast()
            spans[spans.count - 1] = (spans[spans.count - 1].days.lowerBound...tail.days.upperBound, spans[spans.count - 1].rows + tail.rows)
        }
        if let start, let first = spans.first { spans[0].days = max(start, first.days.lowerBound)...first.days.upperBound }
        if let readTo = history.readTo, let last = spans.last { spans[spans.count - 1].days = last.days.lowerBound...min(readTo, last.days.upperBound) }
        return spans.map { ($0.days, $0.rows) }
    }

    /// Extracts the run's rows, records their rejects and recomputes the facts that depend on them;
    /// returns the days recomputed. A nightly run reads what is new, once. A first load reads the
    /// source's whole history, and a backfill a range of it, a span of months at a time in the
    /// run's one snapshot, each span as a nightly run; a backfill then reads what is new, as a
    /// nightly run, less the days it read in full. While history is read, private state is kept for
    /// the days the next span's weeks and streak windows reach back to, and what lies before those
    /// days and before the retention window is purged after each span, so memory and private state
    /// are bounded by a span, not by the length of the history. After each span but the last,
    /// `commitSpan` commits it with a progress row, so that a killed run is resumed from there.
    func loadSpans(
        from source: OperationalSource, into warehouse: PostgresConnection, run: Run, settings: LoadSettings, pseudonymiser: Pseudonymiser,
        changedDays: [Day], report: inout Report, commitSpan: (HistoryProgress) throws -> Void
    ) throws -> Int {
        var history = run.history
        var spans = try history.map { try historySpans($0, source: source, settings: settings) } ?? []
        let historySpanCount = spans.count
        if !run.isFirstLoad { spans.append((nil, 0)) }
        if history?.isBackfill == true, history?.nextDay == nil {
            // Rows before the retention window that the last run kept would be read twice. (A
            // resumed backfill keeps what its spans carried over.)
            _ = try PrivateState(warehouse: warehouse).purge(before: run.cutoff)
        }
        let carry = Int32(max(6, settings.streakMaxDays - 1))
        let total = max(spans.reduce(0) { $0 + $1.rows }, 1)
        let started = Date()
        var done = 0
        var recomputed = 0
        for (i, span) in spans.enumerated() {
            let readsHistory = i < historySpanCount
            if historySpanCount > 1, readsHistory, let days = span.days {
                let elapsed = Date().timeIntervalSince(started)
                let rate = Double(done) / max(elapsed, 0.001)
                let left = done > 0 ? ", about \(Int(Double(total - done) / rate)) s left" : ""
                try stage("history: \(days.lowerBound.description.prefix(7)) (span \(i + 1) of \(historySpanCount)), \(Int(rate)) rows/s\(left)")
            } else {
                try stage("extracting")
            }
            var window = OperationalSource.Window(
                previous: run.previous, businessTimeZone: settings.businessTimeZone,
                latestEventTime: run.sourceTime.addingTimeInterval(Double(settings.lateToleranceSeconds)), days: span.days,
                skipping: history?.days, through: run.through)
            if readsHistory {
                window.previous = nil
                window.skipping = nil
            }
            if readsHistory, history?.isBackfill == true, let days = span.days {
                try forgetRejects(on: days, source: source, warehouse: warehouse, run: run, settings: settings)
            }
            var batch: ActivityBatch? = try extract(
                from: source, run: run, settings: settings, pseudonymiser: pseudonymiser, window: window, report: &report)
            try Ledger(warehouse: warehouse).writeRejects(batch?.rejects ?? [], runID: run.id)
            if readsHistory, history?.factsFrom == nil, let first = batch?.firstDay {
                history?.factsFrom = Self.factsFrom(history: first, streakMax: settings.streakMaxDays)
            }
            try stage("recomputing facts from \(batch?.rowsAggregated ?? 0) rows")
            // The last span's rows before the retention window are needed by no later span.
            let isLast = i + 1 == spans.count
            let factsFrom = readsHistory ? min(history?.factsFrom ?? run.cutoff, run.cutoff) : run.cutoff
            let outcome = try FactRecompute(warehouse: warehouse, settings: settings, logger: logger, memoryBudget: memoryBudget)
                .run(
                    batch: &batch, days: i == 0 ? changedDays : [], factsFrom: factsFrom,
                    touching: readsHistory ? history?.readFrom.map { $0...(history?.touchTo ?? $0) } : nil,
                    keepFrom: isLast ? run.cutoff : Day(daysSince1970: .min),
                    closedBefore: readsHistory ? nil : try settings.closingCutoff(at: run.sourceTime, on: warehouse))
            recomputed += outcome.days
            report.peopleGroups = max(report.peopleGroups, outcome.groups)
            done += span.rows
            if i + 1 < historySpanCount, var progress = history, let next = spans[i + 1].days?.lowerBound {
                _ = try PrivateState(warehouse: warehouse).purge(before: min(next.advanced(by: -carry), run.cutoff))
                progress.nextDay = next
                try commitSpan(HistoryProgress(snapshot: run.snapshot, sourceTime: run.sourceTime, history: progress))
            }
        }
        return recomputed
    }

    /// Deletes the rejects of source rows on `days`, which a backfill reads again and rejects anew
    /// if they still fail (rows once too late for the retention window now make facts).
    private func forgetRejects(on days: ClosedRange<Day>, source: OperationalSource, warehouse: PostgresConnection, run: Run, settings: LoadSettings) throws {
        let rejected = try FactTotals(warehouse: warehouse).rejected()
        guard !rejected.plays.isEmpty || !rejected.ratings.isEmpty else { return }
        let onDays = try source.rows(
            on: days, among: rejected, businessTimeZone: settings.businessTimeZone, through: run.through)
        try Ledger(warehouse: warehouse).forgetRejects(plays: onDays.plays, ratings: onDays.ratings)
    }
}
