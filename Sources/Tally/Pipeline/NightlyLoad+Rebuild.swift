import Foundation

extension NightlyLoad {
    /// Recomputes the facts of every day in `days` from the private state, in one transaction under
    /// the load lock. Days older than the retention window have no private state left, so
    /// rebuilding them would erase their facts: they are refused.
    public func rebuild(_ days: ClosedRange<Day>) throws -> Report {
        try inLockedTransaction(application: "tally load (rebuild)", phase: "rebuilding", recordingFailures: false) { warehouse, report in
            let settings = try LoadSettings.read(from: warehouse)
            let cutoff = try settings.retentionCutoff(at: nil, on: warehouse)
            guard cutoff <= days.lowerBound else {
                throw LoadError(
                    code: .usage,
                    message:
                        "--rebuild from \(days.lowerBound): private state is kept for \(settings.retentionDays) days, so only days from \(cutoff) on can be rebuilt exactly. Start the range at \(cutoff) or later."
                )
            }
            var none: ActivityBatch?
            let outcome = try FactRecompute(warehouse: warehouse, settings: settings, logger: logger, memoryBudget: memoryBudget)
                .run(batch: &none, days: Array(days), factsFrom: cutoff, keepFrom: cutoff)
            report.daysRecomputed = outcome.days
            report.peopleGroups = outcome.groups
            try keepReports(on: warehouse)
        }
    }
}
