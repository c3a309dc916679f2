import CMalloc
import Foundation
import Logging

/// One recompute inside the load's transaction: the batch's segments and people merged into the
/// dimensions and `private.people`, private state read back for the scope and appended with the
/// batch's rows, and the facts of the scope computed by `FactEngine` and replaced by `FactWriter`.
struct FactRecompute {
    let warehouse: PostgresConnection
    let settings: LoadSettings
    /// Receives each step's time at debug level.
    let logger: Logger

    /// Appends `batch` (if any) to private state, then recomputes the facts of its days and of
    /// `days`, with everything that depends on them. `factsFrom` is the first day private state (with
    /// the batch) covers in full: no day, period or streak window before it is recomputed. Rows of
    /// days before `keepFrom` make facts but are not appended. With `touching`, only the batch's days
    /// in it count as changed; its other rows are there for what reaches into them. Returns the number of days
    /// recomputed. The batch is consumed (set to nil) as soon as its rows are in the engine's form,
    /// to keep memory to one copy of them. Days before `closedBefore` (the closing window) are not
    /// recomputed, though their rows are appended to private state.
    func run(
        batch: inout ActivityBatch?, days: [Day], factsFrom: Day, touching: ClosedRange<Day>? = nil, keepFrom: Day, closedBefore: Day? = nil
    ) throws -> Int {
        let started = Date()
        func done(_ step: String) { logger.debug("recompute step", metadata: ["step": "\(step)", "seconds": "\(Date().timeIntervalSince(started))"]) }
        let dimensions = Dimensions(warehouse: warehouse)
        let state = PrivateState(warehouse: warehouse)
        let segmentKeys = try batch.map { try dimensions.mergeSegments($0.segments) } ?? []
        var touched = Set(days.map(\.daysSince1970))
        let changing = touching.map { $0.lowerBound.daysSince1970...$0.upperBound.daysSince1970 } ?? Int32.min...Int32.max
        if let batch { batch.forEachActivity { key, _ in if changing.contains(key.day) { touched.insert(key.day) } } }
        if let closedBefore { touched = touched.filter { $0 >= closedBefore.daysSince1970 } }
        guard let newest = touched.max() else {
            // Nothing to recompute, but the batch's rows still go to private state.
            if let new = batch {
                batch = nil
                var persons = Persons()
                var rows: [FactEngine.Row] = []
                var durations: [FactEngine.Duration] = []
                try drain(new, segments: segmentKeys, state: state, persons: &persons, rows: &rows, durations: &durations)
                try state.append(rows: rows[...], durations: durations[...], people: persons.keys, from: keepFrom)
            }
            return 0
        }

        // The last day with any private state: a later one than this run's, if stored.
        let lastDay = max(try state.lastStoredDay(after: newest) ?? newest, newest)
        let scope = FactEngine.Scope(days: Array(touched), cutoff: factsFrom.daysSince1970, lastDay: lastDay, streakMax: settings.streakMaxDays)
        guard let firstDay = scope.days.first, let lastScopeDay = scope.days.last else { return 0 }
        try dimensions.ensureDays(
            Day(daysSince1970: firstDay).month.lowerBound...Day(daysSince1970: max(lastScopeDay + Int32(settings.streakMaxDays), lastDay)),
            factDays: scope.days + scope.asOf)

        // What is stored already, then this run's rows, which are appended after being read.
        var persons = Persons()
        var stored = try state.read(scope.stateDays, persons: &persons)
        let storedRows = stored.rows.count
        let storedDurations = stored.durations.count
        if let new = batch {
            batch = nil
            try drain(new, segments: segmentKeys, state: state, persons: &persons, rows: &stored.rows, durations: &stored.durations)
        }
        #if canImport(Glibc)
            // The batch's many small arrays were freed into malloc's heap, which keeps them; give them
            // back before the engine's large allocations, or the peak counts them twice.
            malloc_trim(0)
        #endif

        done("state read")
        let lastNeeded = max(scope.stateDays.last?.upperBound ?? lastDay, lastDay)
        let firstNeeded = min(scope.stateDays.first?.lowerBound ?? firstDay, firstDay)
        let titles = try dimensions.titles()
        let engine = FactEngine(
            rows: stored.rows, durations: stored.durations, versions: titles.versions,
            endOfDay: try dimensions.endsOfDays(
                Day(daysSince1970: firstNeeded)...Day(daysSince1970: lastNeeded), timeZone: settings.businessTimeZone),
            skipSeconds: Int32(settings.skipSeconds), streakMax: settings.streakMaxDays, coviewingFloor: Int32(settings.coviewingFloor),
            lastDay: lastDay, personKeys: persons.keys,
            contributionBound: settings.coviewingTitlesPerPerson.map { ContributionBound(limit: $0, key: settings.coviewingChoiceKey) },
            breakdowns: try dimensions.breakdowns(), groups: titles.groups)
        // The server stores the new rows, then replaces the facts stage by stage, while the facts are
        // computed here: one connection, so one transaction, busy all along.
        let writer = SerialWork()
        let facts = FactWriter(warehouse: warehouse)
        try writer.submit { [stored, persons] in
            try state.append(
                rows: stored.rows[storedRows...], durations: stored.durations[storedDurations...], people: persons.keys, from: keepFrom)
            done("private state appended")
            try facts.delete(scope)
        }
        // A failed write (or an interrupt) stops the computing at the next stage.
        let computed = Result { try engine.compute(scope) { stage in try writer.submit { try facts.write(stage) } } }
        done("facts computed")
        try writer.finish()
        try computed.get()
        done("facts written")
        return scope.days.count
    }
}

extension FactRecompute {
    /// Merges the batch's people into `private.people`, gives each a slot in `persons`, and moves
    /// its rows into the engine's form after `rows` and `durations`.
    private func drain(
        _ batch: consuming ActivityBatch, segments: [SegmentKeys], state: PrivateState, persons: inout Persons, rows: inout [FactEngine.Row],
        durations: inout [FactEngine.Duration]
    ) throws {
        var new = batch
        let active = new.activePeople()
        let keys = try state.mergePeople(active.people)
        var slots = [Int32](repeating: -1, count: new.profiles.count)
        for (profile, key) in zip(active.profiles, keys) { slots[profile] = persons.slot(of: key) }
        new.drain(into: &rows, durations: &durations, segments: segments, slots: slots)
    }
}
