import Foundation

extension NightlyLoad {
    /// Recomputes the facts of every day from `first` to `last` from the private state, in one
    /// transaction under the load lock. Days older than the retention window have no private state
    /// left, so rebuilding them would erase their facts: they are refused.
    public func rebuild(from first: PostgresDate, to last: PostgresDate) throws -> Report {
        guard first <= last else {
            throw LoadError(code: .usage, message: "--rebuild \(first) \(last): the first day is after the last one.")
        }
        let started = Date()
        let warehouse = try PostgresConnection.connect(warehouseURL, applicationName: "tally load (rebuild)", logger: logger)
        defer { warehouse.close() }
        control?.watch(warehouse)
        try WarehouseLock.begin(on: warehouse)
        var report = Report(isDryRun: isDryRun)
        do {
            let settings = try LoadSettings.read(from: warehouse)
            let cutoff = try warehouse.query(
                "select ((now() at time zone $1)::date - $2::integer)", [settings.businessTimeZone, settings.retentionDays]
            ).scalar(as: PostgresDate.self)
            guard cutoff <= first else {
                throw LoadError(code: .usage, message: "--rebuild from \(first): private state is kept for \(settings.retentionDays) days, so only days from \(cutoff) on can be rebuilt exactly. Start the range at \(cutoff) or later.")
            }
            func day(_ date: PostgresDate) -> Int32 { Int32(TimestampText.daysFromCivil(year: date.year, month: date.month, day: date.day)) }
            var none: ActivityBatch?
            report.daysRecomputed = try FactRecompute(warehouse: warehouse, settings: settings, logger: logger).run(
                batch: &none, days: Array(day(first)...day(last)), cutoff: day(cutoff))
            try control?.check()
            try warehouse.execute(isDryRun ? "rollback" : "commit")
        } catch {
            if warehouse.isInTransaction { _ = try? warehouse.execute("rollback") }
            throw control?.interruptingSignal.map { LoadError.interrupted(by: $0) } ?? LoadError(wrapping: error, phase: "rebuilding")
        }
        report.duration = Date().timeIntervalSince(started)
        return report
    }
}
