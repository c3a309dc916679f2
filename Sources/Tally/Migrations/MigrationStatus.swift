import Foundation

/// Where one migration stands, derived from the files and the history rows.
public struct MigrationStatus: Sendable, Codable {
    /// The derived state.
    public enum State: String, Sendable, Codable {
        /// Applied, and the file still has the applied checksum.
        case applied
        /// Covered by a baseline: the database had it before Tally managed it.
        case baseline
        /// Not yet applied.
        case pending
        /// The last attempt failed; it will be retried.
        case failed
        /// Applied, but the file's content changed since.
        case changed
        /// Applied, but the file is gone.
        case missing
        /// Repeatable whose file changed since it was last applied.
        case outdated
    }

    public var version: String?
    public var script: String
    public var kind: MigrationFile.Kind
    public var state: State
    public var appliedAt: Date?
    public var appliedBy: String?
    public var outOfOrder: Bool
    /// The last failure, for `failed`.
    public var lastError: String?
}

/// What `status` and `plan` derive from a folder and its history.
struct MigrationState {
    let files: MigrationSet
    let attempts: [MigrationAttempt]

    var baselineVersion: [Int]? {
        attempts.last { $0.action == "baseline" && $0.success }.flatMap { $0.version }.map(Self.parts)
    }

    static func parts(_ version: String) -> [Int] {
        version.split(separator: ".").compactMap { Int($0) }
    }

    /// The last successful apply of a versioned file, by version.
    func applied(version: [Int]) -> MigrationAttempt? {
        attempts.last { $0.kind == .versioned && $0.action == "apply" && $0.success && $0.version.map(Self.parts) == version }
    }

    /// The checksum the history accepts for a script: from its last apply or accept-checksum.
    func acceptedChecksum(script: String, kind: MigrationFile.Kind) -> String? {
        attempts.last { $0.script == script && $0.kind == kind && $0.success && ($0.action == "apply" || $0.action == "accept-checksum") }?.checksum
    }

    func isCoveredByBaseline(_ version: [Int]) -> Bool {
        guard let baseline = baselineVersion else { return false }
        return !MigrationFile.versionLess(baseline, version)
    }

    var highestApplied: [Int]? {
        let versions = attempts.filter { $0.kind == .versioned && $0.action == "apply" && $0.success }.compactMap { $0.version.map(Self.parts) }
        let all = versions + (baselineVersion.map { [$0] } ?? [])
        return all.max { MigrationFile.versionLess($0, $1) }
    }

    /// Versioned files not yet applied, in order.
    var pendingVersioned: [MigrationFile] {
        files.versioned.filter { applied(version: $0.versionParts) == nil && !isCoveredByBaseline($0.versionParts) }
    }

    /// Repeatables whose checksum differs from their last application.
    var pendingRepeatables: [MigrationFile] {
        files.repeatables.filter { acceptedChecksum(script: $0.name, kind: .repeatable) != $0.checksum }
    }

    func statuses() -> [MigrationStatus] {
        var out: [MigrationStatus] = []
        for file in files.versioned {
            let apply = applied(version: file.versionParts)
            var state: MigrationStatus.State
            var lastError: String?
            if let apply {
                state = acceptedChecksum(script: apply.script, kind: .versioned) == file.checksum ? .applied : .changed
            } else if isCoveredByBaseline(file.versionParts) {
                state = .baseline
            } else if let last = attempts.last(where: { $0.version.map(Self.parts) == file.versionParts && $0.action == "apply" }), !last.success {
                state = .failed
                lastError = [last.errorLine.map { "line \($0)" }, last.errorMessage, last.sqlState.map { "SQLSTATE \($0)" }]
                    .compactMap { $0 }.joined(separator: ": ")
            } else {
                state = .pending
            }
            out.append(
                MigrationStatus(
                    version: file.version, script: file.name, kind: .versioned, state: state, appliedAt: apply?.startedAt,
                    appliedBy: apply?.appliedBy, outOfOrder: apply?.outOfOrder ?? false, lastError: lastError))
        }
        let onDisk = Set(files.versioned.map(\.versionParts))
        var reported = Set<[Int]>()
        for attempt in attempts where attempt.kind == .versioned && attempt.action == "apply" && attempt.success {
            guard let version = attempt.version, !onDisk.contains(Self.parts(version)), !reported.contains(Self.parts(version)) else { continue }
            reported.insert(Self.parts(version))
            out.append(
                MigrationStatus(
                    version: version, script: attempt.script, kind: .versioned, state: .missing, appliedAt: attempt.startedAt,
                    appliedBy: attempt.appliedBy, outOfOrder: attempt.outOfOrder, lastError: nil))
        }
        for file in files.repeatables {
            let last = attempts.last { $0.script == file.name && $0.kind == .repeatable && $0.action == "apply" && $0.success }
            let state: MigrationStatus.State = last == nil ? .pending : (last?.checksum == file.checksum ? .applied : .outdated)
            out.append(
                MigrationStatus(
                    version: nil, script: file.name, kind: .repeatable, state: state, appliedAt: last?.startedAt,
                    appliedBy: last?.appliedBy, outOfOrder: false, lastError: nil))
        }
        return out
    }

    /// Refuses to go on when the files and the history disagree.
    func validate(allowOutOfOrder: Bool) throws(MigrationError) {
        var problems: [String] = []
        for file in files.versioned {
            guard let apply = applied(version: file.versionParts) else { continue }
            let accepted = acceptedChecksum(script: apply.script, kind: .versioned)
            if accepted != file.checksum {
                problems.append(
                    "\(file.path) was applied on \(Self.day(apply.startedAt)) with checksum \(accepted?.prefix(12) ?? "?"), but the file now has \(file.checksum.prefix(12)). Applied migrations must not change: revert the edit and fix forward in a new migration, or record the change with: tally migrate accept-checksum \(file.path) --reason \"...\""
                )
            }
        }
        for status in statuses() where status.state == .missing {
            problems.append(
                "version \(status.version ?? "?") (\(status.script)) was applied but is missing from \(files.directory). Restore the file; applied migrations are never deleted."
            )
        }
        if !allowOutOfOrder, let highest = highestApplied {
            for file in pendingVersioned where MigrationFile.versionLess(file.versionParts, highest) {
                problems.append(
                    "\(file.path) is pending but lower than the highest applied version \(highest.map(String.init).joined(separator: ".")). Renumber it above, or apply it anyway with --allow-out-of-order (recorded in the history)."
                )
            }
        }
        guard problems.isEmpty else {
            throw MigrationError(code: .validation, message: problems.joined(separator: "\n"))
        }
    }

    static func day(_ date: Date) -> String {
        String(PostgresTimestamp.format(date).prefix(16)) + " UTC"
    }
}
