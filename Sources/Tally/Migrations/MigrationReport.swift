import Foundation

/// Renders status and plan for a terminal (aligned columns) or for programs (JSON).
public enum MigrationReport {
    /// `status` as an aligned table, one section per database.
    public static func statusTable(database: String, _ statuses: [MigrationStatus]) -> String {
        var rows = [["VERSION", "SCRIPT", "STATE", "APPLIED AT", "BY"]]
        for s in statuses {
            var state = s.state.rawValue + (s.outOfOrder ? " (out of order)" : "")
            if let error = s.lastError { state += ": \(error)" }
            rows.append([
                s.version ?? "R", s.script, state, s.appliedAt.map { MigrationState.day($0) } ?? "-", s.appliedBy ?? "-",
            ])
        }
        let pending = statuses.filter { [.pending, .failed, .outdated].contains($0.state) }.count
        let problems = statuses.filter { [.changed, .missing].contains($0.state) }.count
        var summary = "\(database): \(statuses.count) migrations, \(pending) pending"
        if problems > 0 { summary += ", \(problems) need attention (changed or missing files refuse 'up')" }
        return summary + "\n" + TerminalText.align(rows)
    }

    /// The error (exit 3) for `status` when files need attention: changed or missing applied files,
    /// which make `up` refuse; nil when none do.
    public static func attentionError(_ statuses: [String: [MigrationStatus]]) -> MigrationError? {
        let problems = statuses.sorted { $0.key < $1.key }.flatMap { database, list in
            list.filter { [.changed, .missing].contains($0.state) }.map { "\(database) \($0.script) (\($0.state.rawValue))" }
        }
        guard !problems.isEmpty else { return nil }
        return MigrationError(
            code: .validation,
            message:
                "\(problems.joined(separator: ", ")) need attention: 'up' refuses to run until each is restored, or accepted with tally migrate accept-checksum."
        )
    }

    /// `plan` as an aligned table, or a line saying nothing is pending.
    public static func planTable(database: String, _ steps: [Migrator.PlannedStep], includeSQL: Bool) -> String {
        guard !steps.isEmpty else { return "\(database): up to date, nothing to apply" }
        var rows = [["STEP", "VERSION", "SCRIPT", "TRANSACTION"]]
        for (i, step) in steps.enumerated() {
            rows.append([
                String(i + 1), step.version ?? "R", step.script + (step.outOfOrder ? " (out of order)" : ""),
                step.inTransaction ? "one transaction" : "none (statement by statement)",
            ])
        }
        var text = "\(database): \(steps.count) to apply\n" + TerminalText.align(rows)
        if includeSQL {
            for step in steps {
                text += "\n\n-- \(step.script)\n\(step.sql)"
            }
        }
        return text
    }
}
