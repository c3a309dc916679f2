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
    /// Rows held at once; more are computed a group of people at a time.
    var memoryBudget = MemoryBudget.standard

    /// Appends `batch` (if any) to private state, then recomputes the facts of its days and of
    /// `days`, with everything that depends on them. `factsFrom` is the first day private state (with
    /// the batch) covers in full: no day, period or streak window before it is recomputed. Rows of
    /// days before `keepFrom` make facts but are not appended. With `touching`, only the batch's days
    /// in it count as changed; its other rows are there for what reaches into them. Returns the number of days
    /// recomputed, and the groups of people they were computed in. The batch is consumed (set to nil) as soon as its rows are in the engine's form,
    /// to keep memory to one copy of them. Days before `closedBefore` (the closing window) are not
    /// recomputed, though their rows are appended to private state.
    func run(
        batch: inout ActivityBatch?, days: [Day], factsFrom: Day, touching: ClosedRange<Day>? = nil, keepFrom: Day, closedBefore: Day? = nil
    ) throws -> (days: Int, groups: Int) {
        let started = Date()
        func done(_ step: String) { logger.debug("recompute step", metadata: ["step": "\(step)", "seconds": "\(Date().timeIntervalSince(started))"]) }
        let dimensions = Dimensions(warehouse: warehouse)
        let state = PrivateState(warehouse: warehouse)
        let segmentKeys = try batch.map { try dimensions.mergeSegments($0.segments) } ?? []
        var touched = Set(days.map(\.daysSince1970))
        let changing = touching.map { $0.lowerBound.daysSince1970...$0.upperBound.daysSince1970 } ?? Int32.min...Int32.max
        if let batch { for day in batch.days where changing.contains(day) { touched.insert(day) } }
        if let closedBefore { touched = touched.filter { $0 >= closedBefore.daysSince1970 } }
        guard let newest = touched.max() else {
            // Nothing to recompute, but the batch's rows still go to private state.
            if var new = batch {
                batch = nil
                let personKeys = try personKeys(of: new)
                for buckets in new.spilledPerBucket.map({ memoryBudget.groups(perBucket: $0) }) ?? [0..<ActivityBatch.buckets] {
                    var persons = Persons()
                    var rows: [FactEngine.Row] = []
                    var durations: [FactEngine.Duration] = []
                    try new.load(buckets: buckets, withLoose: buckets.lowerBound == 0)
                    try drain(&new, buckets, personKeys: personKeys, segments: segmentKeys, persons: &persons, rows: &rows, durations: &durations)
                    try state.append(rows: rows[...], durations: durations[...], people: persons.keys, from: keepFrom)
                }
            }
            return (0, 1)
        }

        // The last day with any private state: a later one than this run's, if stored.
        let lastDay = max(try state.lastStoredDay(after: newest) ?? newest, newest)
        let scope = FactEngine.Scope(days: Array(touched), cutoff: factsFrom.daysSince1970, lastDay: lastDay, streakMax: settings.streakMaxDays)
        guard let firstDay = scope.days.first, let lastScopeDay = scope.days.last else { return (0, 1) }
        try dimensions.ensureDays(
            Day(daysSince1970: firstDay).month.lowerBound...Day(daysSince1970: max(lastScopeDay + Int32(settings.streakMaxDays), lastDay)),
            factDays: scope.days + scope.asOf)

        let stored = try state.sizes(scope.stateDays)
        // A batch in memory counts its keys of both kinds as rows; a spilled one, its play lengths apart.
        let batchRows = batch.map { $0.spilledPerBucket?.reduce(0, +) ?? $0.keysInMemory } ?? 0
        let batchDurations = batch?.spilledDurations ?? 0
        if !memoryBudget.fits(rows: stored.rowsPerBucket.reduce(0, +) + batchRows, durations: stored.durations + batchDurations) {
            try batch?.spillAll()
            let groups = try recomputeByGroups(
                batch: &batch, storedPerBucket: stored.rowsPerBucket, scope: scope, segments: segmentKeys, lastDay: lastDay, firstDay: firstDay,
                keepFrom: keepFrom, done: done)
            done("facts computed and written by \(groups) groups of people")
            return (scope.days.count, groups)
        }

        // What is stored already, then this run's rows, which are appended after being read; each
        // array reserved once at its size.
        var persons = Persons()
        var rows: [FactEngine.Row] = []
        var durations: [FactEngine.Duration] = []
        try batch?.load(buckets: 0..<ActivityBatch.buckets, withLoose: true)
        rows.reserveCapacity(stored.rowsPerBucket.reduce(0, +) + (batch?.activityCount ?? 0))
        durations.reserveCapacity(stored.durations + (batch?.durations.count ?? 0))
        try state.read(scope.stateDays, persons: &persons, into: &rows)
        try state.forEachDuration(scope.stateDays) { durations.append($0) }
        let storedRows = rows.count
        let storedDurations = durations.count
        if var new = batch {
            batch = nil
            try drain(
                &new, 0..<ActivityBatch.buckets, personKeys: try personKeys(of: new), segments: segmentKeys, persons: &persons, rows: &rows,
                durations: &durations)
        }
        #if canImport(Glibc)
            // The batch's many small arrays were freed into malloc's heap, which keeps them; give them
            // back before the engine's large allocations, or the peak counts them twice.
            malloc_trim(0)
        #endif

        done("state read")
        var engine = try engine(scope: scope, lastDay: lastDay, firstDay: firstDay)
        engine.rows = rows
        engine.durations = durations
        engine.personKeys = persons.keys
        // The server stores the new rows, then replaces the facts stage by stage, while the facts are
        // computed here: one connection, so one transaction, busy all along.
        let writer = SerialWork()
        let facts = FactWriter(warehouse: warehouse)
        try writer.submit { [rows, durations, persons] in
            try state.append(rows: rows[storedRows...], durations: durations[storedDurations...], people: persons.keys, from: keepFrom)
            done("private state appended")
            try facts.delete(scope)
        }
        // A failed write (or an interrupt) stops the computing at the next stage.
        let computed = Result { try engine.compute(scope) { stage in try writer.submit { try facts.write(stage) } } }
        done("facts computed")
        try writer.finish()
        try computed.get()
        done("facts written")
        return (scope.days.count, 1)
    }
}

extension FactRecompute {
    /// An engine for `scope` with no rows yet.
    private func engine(scope: FactEngine.Scope, lastDay: Int32, firstDay: Int32) throws -> FactEngine {
        let dimensions = Dimensions(warehouse: warehouse)
        let lastNeeded = max(scope.stateDays.last?.upperBound ?? lastDay, lastDay)
        let firstNeeded = min(scope.stateDays.first?.lowerBound ?? firstDay, firstDay)
        let titles = try dimensions.titles()
        return FactEngine(
            rows: [], durations: [], versions: titles.versions,
            endOfDay: try dimensions.endsOfDays(
                Day(daysSince1970: firstNeeded)...Day(daysSince1970: lastNeeded), timeZone: settings.businessTimeZone),
            skipSeconds: Int32(settings.skipSeconds), streakMax: settings.streakMaxDays, coviewingFloor: Int32(settings.coviewingFloor),
            lastDay: lastDay, personKeys: [],
            contributionBound: settings.coviewingTitlesPerPerson.map { ContributionBound(limit: $0, key: settings.coviewingChoiceKey) },
            breakdowns: try dimensions.breakdowns(), groups: titles.groups)
    }

    /// Recomputes the scope a group of people at a time (the groups are ranges of person buckets),
    /// in two passes: each group's additive facts, summed into the totals that decide the dependent
    /// facts, and then each group's dependent facts (co-viewing counts summed here when their
    /// triangles take at most a quarter of the budget). Each group's segment facts go to a temporary
    /// file, summed and written once pass 1 ends (`SegmentRuns`); its other facts go to staging
    /// tables, and the warehouse sums them into the fact tables at the end. The batch's rows go to private state
    /// in the second pass, after its last read of them. The groups are packed from the stored rows
    /// per bucket and the (spilled) batch's; returns how many pass 1 made.
    private func recomputeByGroups(
        batch: inout ActivityBatch?, storedPerBucket: [Int], scope: FactEngine.Scope, segments: [SegmentKeys], lastDay: Int32, firstDay: Int32,
        keepFrom: Day, done: (String) -> Void
    ) throws -> Int {
        let perBucket = zip(storedPerBucket, batch?.spilledPerBucket ?? storedPerBucket.map { _ in 0 }).map(+)
        let state = PrivateState(warehouse: warehouse)
        let writer = FactWriter(warehouse: warehouse)
        let template = try engine(scope: scope, lastDay: lastDay, firstDay: firstDay)
        let personKeys = try batch.map { try self.personKeys(of: $0) } ?? []
        // Stored rows, spilled by person bucket in one scan, for both passes to read back a group
        // at a time.
        let stored = try storedPerBucket.contains { $0 > 0 } ? SpillFiles<FactEngine.Row>(files: ActivityBatch.buckets) : nil
        if let stored {
            try state.forEachRow(scope.stateDays) { bucket, row in stored.append(row, to: bucket) }
            try stored.flush()
            done("stored rows spilled")
        }
        // Groups are packed for what the budget leaves once the process holds what it holds now.
        let held = MemoryBudget.residentBytes()
        let groups = memoryBudget.forGroups(resident: held).groups(perBucket: perBucket)
        done("pass 1: \(groups.count) groups of people, \(held >> 20) MiB held")
        /// The rows of one group: stored, then the batch's (from `stored` on).
        func rows(of buckets: Range<Int>) throws -> (engine: FactEngine, persons: Persons, stored: Int) {
            var persons = Persons()
            var engine = template
            try batch?.load(buckets: buckets, withLoose: false)
            engine.rows.reserveCapacity((stored?.counts[buckets].reduce(0, +) ?? 0) + (batch?.activityCount ?? 0))
            for b in buckets {
                try stored?.read(b) { rows in
                    for var row in rows {
                        row.person = persons.slot(of: row.person)
                        engine.rows.append(row)
                    }
                }
            }
            let storedRows = engine.rows.count
            if batch != nil {
                try drain(&batch!, buckets, personKeys: personKeys, segments: segments, persons: &persons, rows: &engine.rows, durations: &engine.durations)
            }
            engine.personKeys = persons.keys
            #if canImport(Glibc)
                malloc_trim(0)
            #endif
            return (engine, persons, storedRows)
        }

        try writer.createStaging()
        var totals = FactEngine.Totals()
        let segmentRuns = try SegmentRuns()
        for (n, buckets) in groups.enumerated() {
            var group = try rows(of: buckets).engine
            done("pass 1, group \(n + 1) of \(groups.count): \(group.rows.count) rows read")
            group.part = .additive
            totals.addUnknownTitles(of: group.rows, versions: template.versions)
            totals.addDayViewers(group.dayViewersOutsideScope(scope))
            try whileWriting { work in
                try group.compute(scope) { facts in
                    totals.add(facts)
                    var staged = facts
                    segmentRuns.append(staged.segments, group: n)
                    staged.segments = []
                    try work.submit { try writer.stage(staged, evidence: true) }
                }
            }
            done("pass 1, group \(n + 1) of \(groups.count): facts staged")
        }
        // Play lengths of no group: those stored, streamed, and those the batch aggregated before it
        // spilled (no more than the budget's rows), which are appended to private state.
        var loose: [FactEngine.Duration] = []
        try batch?.forEachLooseDuration { key, plays in loose.append(ActivityBatch.duration(key, plays: plays, segments: segments)) }
        var skips = try template.skipFacts(scope, totals: totals) { add in
            try state.forEachDuration(scope.stateDays, add)
            loose.forEach(add)
        }
        let skipSegments = skips.segments
        skips.segments = []
        try writer.stage(skips, evidence: false)
        try state.append(rows: [], durations: loose[...], people: [], from: keepFrom)
        loose = []
        done("play lengths of no group: skips staged")
        // Pass 2 makes no segment facts: they are final, summed here and written in key order.
        try writer.delete(scope)
        try segmentRuns.merged(adding: skipSegments) { try writer.write(Facts(segments: $0)) }
        done("segment facts summed and written")

        let pairs = FactEngine.PairTotals(
            totals: totals, periods: scope.periods, floor: Int64(template.coviewingFloor), maximumBytes: memoryBudget.bytes / 4)
        // The totals and triangles stay for the whole pass: its groups hold that much less.
        let heldInPassTwo = max(MemoryBudget.residentBytes(), held + (pairs?.bytes ?? 0))
        let passTwo = memoryBudget.forGroups(resident: heldInPassTwo).groups(perBucket: perBucket)
        done("pass 2: \(passTwo.count) groups of people, \(heldInPassTwo >> 20) MiB held")
        for (n, buckets) in passTwo.enumerated() {
            var (group, persons, stored) = try rows(of: buckets)
            done("pass 2, group \(n + 1) of \(passTwo.count): \(group.rows.count) rows read")
            group.part = .dependent
            group.totals = totals
            group.pairTotals = pairs
            try whileWriting { work in
                try work.submit { [group, persons] in
                    try state.append(rows: group.rows[stored...], durations: group.durations[...], people: persons.keys, from: keepFrom)
                }
                try group.compute(scope) { facts in
                    var additive = facts
                    additive.periods = []
                    try work.submit {
                        try writer.stage(Facts(periods: facts.periods), evidence: false)
                        try writer.stage(additive, evidence: true)
                    }
                }
            }
            done("pass 2, group \(n + 1) of \(passTwo.count): facts staged, rows appended")
        }
        batch = nil
        // Summed here, the pairs at the floor are final: a period at a time, straight to the table.
        try pairs?.forEachPeriod(floor: template.coviewingFloor) { try writer.write(Facts(coviewing: $0)) }
        try writer.mergeStaging(coviewingFloor: template.coviewingFloor)
        done("staged facts merged")
        return groups.count
    }

    /// Runs `body` with a queue of jobs that write to the warehouse on a thread of their own while
    /// `body` computes (at most two wait, so the facts they hold stay few), and returns once every
    /// job is done; the caller must not use the connection until then.
    private func whileWriting(_ body: (SerialWork) throws -> Void) throws {
        let work = SerialWork(limit: 2)
        let computed = Result { try body(work) }
        try work.finish()
        try computed.get()
    }

    /// Merges the batch's people into `private.people`; returns each profile's person key (-1 for
    /// a profile without valid rows).
    private func personKeys(of batch: ActivityBatch) throws -> [Int32] {
        let active = batch.activePeople()
        var keys = [Int32](repeating: -1, count: batch.profiles.count)
        for (profile, key) in zip(active.profiles, try PrivateState(warehouse: warehouse).mergePeople(active.people)) { keys[profile] = key }
        return keys
    }

    /// Moves the rows of the people in `buckets`, which the batch holds (`load` brings a spilled
    /// batch's back), after `rows` and `durations`, in the engine's form, each person in a slot of
    /// `persons`.
    private func drain(
        _ batch: inout ActivityBatch, _ buckets: Range<Int>, personKeys: [Int32], segments: [SegmentKeys], persons: inout Persons,
        rows: inout [FactEngine.Row], durations: inout [FactEngine.Duration]
    ) throws {
        var slots = [Int32](repeating: -1, count: personKeys.count)
        for (profile, key) in personKeys.enumerated() where key >= 0 && buckets.contains(Int(batch.profiles[profile].bucket)) {
            slots[profile] = persons.slot(of: key)
        }
        try batch.drain(into: &rows, durations: &durations, segments: segments, slots: slots)
    }
}
