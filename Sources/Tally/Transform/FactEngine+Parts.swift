extension FactEngine {
    /// Which facts a compute makes. Every count is a sum over disjoint groups of people, but some
    /// facts depend on the totals of others: a day with fewer than the floor of viewers is small, a
    /// title below the floor is in no co-viewing pair, is not broken down and is a small title of its
    /// series. A run whose people do not fit its memory budget therefore computes each group of
    /// people twice: the additive facts first, then, knowing their totals, the dependent ones.
    enum Part {
        /// Everything, from rows holding every person (one group).
        case all
        /// Daily, segment, period (all but small-day viewers), audience and streak facts.
        case additive
        /// Small-day viewers (in period facts with nothing else), breakdowns, series and genre
        /// totals, and co-viewing counts from one shared viewer up: the floor applies to their sum.
        case dependent
    }

    /// Every group's additive totals, for the dependent pass.
    struct Totals {
        /// Viewers of each title key on each day: `day << 32 | key`.
        private(set) var daily: [Int64: Int64] = [:]
        /// Viewers of each title key in each period.
        private(set) var periods: [PeriodKey: Int64] = [:]
        /// The days on which each title not in the catalogue had rows: `day << 32 | title id`.
        private(set) var unknownTitleDays: Set<Int64> = []

        struct PeriodKey: Hashable {
            var period: Period
            var key: Int32
        }

        static func dayKey(_ day: Int32, _ key: Int32) -> Int64 { Int64(day) << 32 | Int64(UInt32(bitPattern: key)) }

        /// Adds one group's additive facts.
        mutating func add(_ facts: Facts) {
            for f in facts.daily { daily[Self.dayKey(f.day.daysSince1970, f.titleKey), default: 0] += f.measures.viewers }
            for f in facts.periods { periods[PeriodKey(period: f.period, key: f.titleKey), default: 0] += f.viewers }
        }

        /// Adds one group's viewers of title keys on days whose daily facts are not recomputed.
        mutating func addDayViewers(_ viewers: [Int64: Int64]) {
            daily.merge(viewers) { $0 + $1 }
        }

        /// Notes the days of one group's rows of titles not in the catalogue.
        mutating func addUnknownTitles(of rows: [Row], versions: [Int32: [TitleVersion]]) {
            for r in rows where versions[r.titleID] == nil { unknownTitleDays.insert(Self.dayKey(r.day, r.titleID)) }
        }

        func viewers(on day: Int32, of key: Int32) -> Int64 { daily[Self.dayKey(day, key)] ?? 0 }
        func viewers(in period: Period, of key: Int32) -> Int64 { periods[PeriodKey(period: period, key: key)] ?? 0 }

        /// Whether a title not in the catalogue had rows on any of `days`.
        func hasUnknownTitle(_ titleID: Int32, on days: ClosedRange<Int32>) -> Bool {
            days.contains { unknownTitleDays.contains(Self.dayKey($0, titleID)) }
        }

        /// Per series or genre of a period: its titles with a viewer, and those below `floor`.
        func groupTitles(in period: Period, groups: TitleGroups, floor: Int64) -> [Int32: (titles: Int32, small: Int32)] {
            var counts: [Int32: (titles: Int32, small: Int32)] = [:]
            for (k, viewers) in periods where k.period == period && viewers > 0 {
                for g in groups.groups(of: k.key) {
                    counts[g, default: (0, 0)].titles += 1
                    if viewers < floor { counts[g, default: (0, 0)].small += 1 }
                }
            }
            return counts
        }
    }

    /// Viewers of each title key (`Totals.dayKey`) on the days of the scope's periods that are not
    /// scope days: their daily facts are not recomputed, but whether they are small days is needed.
    func dayViewersOutsideScope(_ scope: Scope) -> [Int64: Int64] {
        struct Seen: Hashable {
            var day: Int32
            var key: Int32
            var person: Int32
        }
        let days = Set(scope.days)
        let periods = scope.periods.map { $0.start...$0.finish }
        var seen = Set<Seen>()
        var viewers: [Int64: Int64] = [:]
        for r in rows where r.plays > 0 && !days.contains(r.day) && periods.contains(where: { $0.contains(r.day) }) {
            let k = titleKey(r.titleID, on: r.day)
            if seen.insert(Seen(day: r.day, key: k, person: r.person)).inserted { viewers[Totals.dayKey(r.day, k), default: 0] += 1 }
        }
        return viewers
    }

    /// Skips of play lengths that belong to no group of people: stored play lengths carry no person,
    /// nor do those a batch aggregated before it spilled. As fact rows that hold only skips, for
    /// the merge to add to the rows the groups made: a title's skips count on a day, in a segment
    /// and in a period only where it has rows, which for a title in the catalogue is where its fact
    /// row exists (the merge keeps no other), and for the others where `totals` saw them. The play
    /// lengths are those `durations` hands to its argument, one at a time, so that none is held.
    func skipFacts(_ scope: Scope, totals: Totals, _ durations: (_ add: (Duration) -> Void) throws -> Void) rethrows -> Facts {
        let days = Set(scope.days)
        var daily: [DayKey: Int64] = [:]
        var segments: [DayKey: Int64] = [:]
        var periods: [Totals.PeriodKey: Int64] = [:]
        try durations { d in
            let isKnown = versions[d.titleID] != nil
            if days.contains(d.day), isKnown || totals.hasUnknownTitle(d.titleID, on: d.day...d.day) {
                let k = titleKey(d.titleID, on: d.day)
                if isSkip(d.watched, key: k, titleID: d.titleID) {
                    daily[DayKey(day: d.day, title: k), default: 0] += Int64(d.plays)
                    segments[DayKey(day: d.day, title: k, device: d.device, region: d.region, audience: d.audience), default: 0] += Int64(d.plays)
                }
            }
            for p in scope.periods where p.start <= d.day && d.day <= p.finish {
                guard isKnown || totals.hasUnknownTitle(d.titleID, on: p.start...p.finish) else { continue }
                let k = titleKey(d.titleID, on: min(p.finish, lastDay))
                if isSkip(d.watched, key: k, titleID: d.titleID) { periods[Totals.PeriodKey(period: p, key: k), default: 0] += Int64(d.plays) }
            }
        }
        var facts = Facts()
        facts.daily = daily.map { DailyFact(day: Day(daysSince1970: $0.key.day), titleKey: $0.key.title, measures: FactMeasures(skips: $0.value)) }
        facts.segments = segments.map {
            SegmentFact(
                day: Day(daysSince1970: $0.key.day), titleKey: $0.key.title, device: $0.key.device, region: $0.key.region,
                audience: $0.key.audience, measures: FactMeasures(skips: $0.value))
        }
        facts.periods = periods.map {
            PeriodFact(
                period: $0.key.period, titleKey: $0.key.key, viewers: 0, plays: 0, watchSeconds: 0, skips: $0.value, smallDayViewers: 0,
                smallDayBelow: coviewingFloor)
        }
        return facts
    }
}

extension FactEngine {
    /// Shared viewers of pairs of titles, summed over groups of people: per period, a triangle of
    /// counts over the titles whose viewers in every group reach the floor (the totals say which),
    /// sized by titles squared, not by people. Groups' counts would otherwise leave the process pair
    /// by pair, most of them one shared viewer that the floor then drops.
    final class PairTotals {
        private struct Triangle {
            var keys: [Int32]
            var index: [Int32: Int32]
            var counts: [Int32]
        }

        private var triangles: [Period: Triangle] = [:]
        /// The bytes of the counts.
        let bytes: Int

        /// Triangles for `periods`; nil when they would take more than `maximumBytes`.
        init?(totals: Totals, periods: [Period], floor: Int64, maximumBytes: Int) {
            var keysOf: [Period: [Int32]] = [:]
            for (k, viewers) in totals.periods where viewers >= floor && k.key != -1 { keysOf[k.period, default: []].append(k.key) }
            bytes = keysOf.values.reduce(0) { $0 + $1.count * ($1.count - 1) / 2 * 4 }
            guard bytes <= maximumBytes else { return nil }
            for p in periods {
                let keys = (keysOf[p] ?? []).sorted()
                triangles[p] = Triangle(
                    keys: keys, index: Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, Int32($0)) }),
                    counts: [Int32](repeating: 0, count: keys.count * max(keys.count - 1, 0) / 2))
            }
        }

        /// Adds one group's lists (as `countPairs` takes them: each person's titles as ascending
        /// ranks into `keys`).
        func add(_ lists: [Int32], starts: [Int32], keys: [Int32], period p: Period) {
            guard var t = triangles[p] else { return }
            triangles[p] = nil
            defer { triangles[p] = t }
            let n = t.keys.count
            func row(_ a: Int) -> Int { a * (2 * n - a - 1) / 2 - a - 1 }
            // Local ranks to the period's indexes; both are in key order.
            let global = keys.map { Int(t.index[$0] ?? -1) }
            for person in 0..<(starts.count - 1) {
                let lo = Int(starts[person])
                let hi = Int(starts[person + 1])
                guard hi - lo > 1 else { continue }
                for a in lo..<(hi - 1) {
                    let base = row(global[Int(lists[a])])
                    for b in (a + 1)..<hi { t.counts[base + global[Int(lists[b])]] += 1 }
                }
            }
        }

        /// Calls `body` with each period's pairs whose shared viewers reach `floor`, in key order,
        /// `FactEngine.stageRows` at a time: a period of 2,000 titles has up to 2 million.
        func forEachPeriod(floor: Int32, _ body: ([CoviewingFact]) throws -> Void) rethrows {
            for (p, t) in triangles {
                var facts: [CoviewingFact] = []
                let n = t.keys.count
                var i = 0
                for a in 0..<n {
                    for b in (a + 1)..<n {
                        if t.counts[i] >= floor {
                            facts.append(CoviewingFact(period: p, titleA: t.keys[a], titleB: t.keys[b], sharedViewers: Int64(t.counts[i])))
                            if facts.count == FactEngine.stageRows {
                                try body(facts)
                                facts.removeAll(keepingCapacity: true)
                            }
                        }
                        i += 1
                    }
                }
                try body(facts)
            }
        }
    }
}
