extension FactEngine {
    /// Week and month facts, breakdowns and co-viewing pairs of the periods in scope. A period's rows
    /// are grouped by title with a counting sort, and its titles visited in key order (titles not
    /// in the catalogue together, as the one unknown title). With `part`, only the additive or only
    /// the dependent facts, the latter decided by `totals`.
    func computePeriods(_ scope: Scope, _ layout: Layout, people: Int, into facts: inout Facts, stage: (Facts) throws -> Void) rethrows {
        let titles = layout.titleIDs.count
        var titlePeople = Stamps(people: people)
        var small = SmallDays(people: people)
        var groupPeople = Stamps(people: groups.isEmpty ? 0 : people)
        var keyed: [KeyedTitle] = []
        var keys = KeysOnDay(titles: titles)
        var start = [Int](repeating: 0, count: titles + 1)
        var order: [Int32] = []
        var perPerson = [Int32](repeating: 0, count: people + 1)
        for p in scope.periods {
            try Self.handOn(&facts, to: stage)
            let titleDay = min(p.finish, lastDay)
            keys.reset(day: titleDay)
            let periodRows = layout.rows(p.start...p.finish)
            guard !periodRows.isEmpty else { continue }
            // Counting sort of the period's rows by title.
            start.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            for i in periodRows { start[Int(layout.rowTitle[Int(i)]) + 1] += 1 }
            let present = (0..<titles).filter { start[$0 + 1] > 0 }
            for t in 0..<titles { start[t + 1] += start[t] }
            var next = start
            order = [Int32](repeating: 0, count: periodRows.count)
            for i in periodRows {
                let t = Int(layout.rowTitle[Int(i)])
                order[next[t]] = i
                next[t] += 1
            }
            // Titles in key order.
            let byKey = present.map { (key: keys.key(Int32($0), self, layout), title: $0) }.sorted { ($0.key, $0.title) < ($1.key, $1.title) }
            var skips: [Int32: Int64] = [:]
            for j in layout.durations(p.start...p.finish) where part != .dependent {
                let t = layout.durationTitle[Int(j)]
                guard start[Int(t) + 1] > start[Int(t)] else { continue }
                let d = durations[Int(j)]
                let k = keys.key(t, self, layout)
                if isSkip(d.watched, key: k, titleID: d.titleID) { skips[k, default: 0] += Int64(d.plays) }
            }

            // Each person's first play of each known title with at least `coviewingFloor` viewers, in
            // key order, as (person, rank); `known` holds those titles' keys by rank. A pair's shared
            // viewers are viewers of both its titles, so a title below the floor is in no stored pair
            // (the a-priori rule), and heavy viewers' long tails of rare titles make no pairs.
            var watched: [(person: Int32, rank: Int32)] = []
            var viewersOfTitle: [Int32] = []
            var known: [Int32] = []
            var sums = FactMeasures()
            var groupStart = 0
            var seen = Set<Int64>()
            keyed.removeAll(keepingCapacity: true)
            let groupTitles = totals.map { $0.groupTitles(in: p, groups: groups, floor: Int64(coviewingFloor)) }
            for (n, g) in byKey.enumerated() {
                for i in order[start[g.title]..<start[g.title + 1]] {
                    let r = rows[Int(i)]
                    sums.add(r)
                    guard r.plays > 0 else { continue }
                    if titlePeople.first(r.person) {
                        sums.viewers += 1
                        if g.key != -1 && part != .additive { viewersOfTitle.append(r.person) }
                    }
                }
                if n + 1 == byKey.count || byKey[n + 1].key != g.key {
                    let titlesOfKey = byKey[groupStart...n].map(\.title)
                    let group = { (visit: (Row) -> Void) in
                        for t in titlesOfKey { for i in order[start[t]..<start[t + 1]] { visit(rows[Int(i)]) } }
                    }
                    // The title-period's viewers in every group of people.
                    let viewers = totals?.viewers(in: p, of: g.key) ?? sums.viewers
                    switch part {
                    case .all:
                        facts.periods.append(
                            PeriodFact(
                                period: p, titleKey: g.key, viewers: sums.viewers, plays: sums.plays, watchSeconds: sums.watchSeconds,
                                skips: skips[g.key] ?? 0, smallDayViewers: small.viewers(group, below: coviewingFloor),
                                smallDayBelow: coviewingFloor))
                    case .additive:
                        facts.periods.append(
                            PeriodFact(
                                period: p, titleKey: g.key, viewers: sums.viewers, plays: sums.plays, watchSeconds: sums.watchSeconds,
                                skips: skips[g.key] ?? 0, smallDayViewers: 0, smallDayBelow: coviewingFloor))
                    case .dependent:
                        // A day is small by its viewers in every group.
                        let titleID = layout.titleIDs[titlesOfKey[0]]
                        let isSmall = { (day: Int32) in
                            (totals?.viewers(on: day, of: g.key == -1 ? -1 : titleKey(titleID, on: day)) ?? 0) < Int64(coviewingFloor)
                        }
                        facts.periods.append(
                            PeriodFact(
                                period: p, titleKey: g.key, viewers: 0, plays: 0, watchSeconds: 0, skips: 0,
                                smallDayViewers: small.viewers(group, below: coviewingFloor, isSmall: isSmall), smallDayBelow: coviewingFloor))
                    }
                    // Title-periods that can be shown (the storage floor) are broken down by audience.
                    if part != .additive && viewers >= Int64(coviewingFloor) && !breakdowns.isEmpty {
                        breakdown(period: p, titleKey: g.key, group: group, seen: &seen, into: &facts)
                    }
                    if part != .additive && !groups.isEmpty { keyed.append(KeyedTitle(key: g.key, titles: titlesOfKey, viewers: viewers)) }
                    groupStart = n + 1
                    if part != .additive && viewers >= Int64(coviewingFloor) && !viewersOfTitle.isEmpty {
                        let rank = Int32(known.count)
                        known.append(g.key)
                        watched.append(contentsOf: viewersOfTitle.lazy.map { ($0, rank) })
                    }
                    viewersOfTitle.removeAll(keepingCapacity: true)
                    sums = FactMeasures()
                    titlePeople.nextGroup()
                }
            }
            if !keyed.isEmpty {
                computeGroups(
                    period: p, keyed, rows: { t, body in for i in order[start[t]..<start[t + 1]] { body(rows[Int(i)]) } },
                    titleCounts: groupTitles, people: &groupPeople, into: &facts)
            }
            guard part != .additive else { continue }

            // Each person's titles together, still in key order (a stable counting sort by person).
            perPerson.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            for w in watched { perPerson[Int(w.person) + 1] += 1 }
            for i in 0..<people { perPerson[i + 1] += perPerson[i] }
            var lists = [Int32](repeating: 0, count: watched.count)
            var fill = perPerson
            for w in watched {
                lists[Int(fill[Int(w.person)])] = w.rank
                fill[Int(w.person)] += 1
            }
            if let bound = contributionBound {
                var bounded: [Int32] = []
                var starts = [Int32](repeating: 0, count: people + 1)
                for person in 0..<people {
                    let titles = lists[Int(perPerson[person])..<Int(perPerson[person + 1])]
                    let key = person < personKeys.count ? personKeys[person] : Int32(person)
                    bounded += bound.chosen(titles, person: key, titleKeys: known)
                    starts[person + 1] = Int32(bounded.count)
                }
                countPairs(bounded, starts: starts, keys: known, period: p, into: &facts)
            } else {
                countPairs(lists, starts: perPerson, keys: known, period: p, into: &facts)
            }
        }
    }

    /// Co-viewing: every pair of titles that at least `coviewingFloor` people played in the period
    /// (in the dependent part: at least one, for the floor to apply to the sum of the groups).
    /// `lists` holds each person's titles as ranks into `keys` (ascending), person i's at
    /// starts[i]..<starts[i + 1]. Pairs are counted in a dense triangle over the ranks when that is
    /// small (up to 4,096 titles, 32 MiB), else in a dictionary.
    func countPairs(_ lists: [Int32], starts: [Int32], keys: [Int32], period p: Period, into facts: inout Facts) {
        // A group of people's counts are summed before the floor applies.
        if let pairTotals {
            pairTotals.add(lists, starts: starts, keys: keys, period: p)
            return
        }
        let floor = part == .dependent ? 1 : coviewingFloor
        guard (0..<(starts.count - 1)).contains(where: { starts[$0 + 1] - starts[$0] > 1 }) else { return }
        let n = keys.count
        if n <= 4_096 {
            // Pair (a, b), a < b, lives at row(a) + b, where row(a) = a(2n - a - 1)/2 - a - 1.
            func row(_ a: Int) -> Int { a * (2 * n - a - 1) / 2 - a - 1 }
            var counts = [Int32](repeating: 0, count: n * (n - 1) / 2)
            for person in 0..<(starts.count - 1) {
                let lo = Int(starts[person])
                let hi = Int(starts[person + 1])
                guard hi - lo > 1 else { continue }
                for a in lo..<(hi - 1) {
                    let base = row(Int(lists[a]))
                    for b in (a + 1)..<hi { counts[base + Int(lists[b])] += 1 }
                }
            }
            for a in 0..<n {
                let base = row(a)
                for b in (a + 1)..<n where counts[base + b] >= floor {
                    facts.coviewing.append(CoviewingFact(period: p, titleA: keys[a], titleB: keys[b], sharedViewers: Int64(counts[base + b])))
                }
            }
        } else {
            var counts: [Int64: Int64] = [:]
            for person in 0..<(starts.count - 1) {
                let lo = Int(starts[person])
                let hi = Int(starts[person + 1])
                guard hi - lo > 1 else { continue }
                for a in lo..<(hi - 1) {
                    for b in (a + 1)..<hi { counts[Int64(lists[a]) << 32 | Int64(lists[b]), default: 0] += 1 }
                }
            }
            for (pair, shared) in counts where shared >= Int64(floor) {
                facts.coviewing.append(CoviewingFact(period: p, titleA: keys[Int(pair >> 32)], titleB: keys[Int(pair & 0xFFFF_FFFF)], sharedViewers: shared))
            }
        }
    }
}

extension FactEngine {
    /// The people of a title-period on its days with fewer than a floor of viewers, the days that
    /// title_daily hides at k = the floor. When they are k or more, the period's plays less its
    /// shown days' plays describe k or more people, and the report may show them.
    struct SmallDays {
        private var dayPeople: Stamps
        private var smallPeople: Stamps
        private var plays: [(day: Int32, person: Int32)] = []

        init(people: Int) {
            dayPeople = Stamps(people: people)
            smallPeople = Stamps(people: people)
        }

        /// Distinct people, over the rows `group` yields, on the days on which fewer than `floor`
        /// people played; or on the days `isSmall` says, when the rows hold only some of the people.
        mutating func viewers(_ group: (_ visit: (Row) -> Void) -> Void, below floor: Int32, isSmall: ((Int32) -> Bool)? = nil) -> Int64 {
            plays.removeAll(keepingCapacity: true)
            group { r in if r.plays > 0 { plays.append((r.day, r.person)) } }
            // One title's rows come in day order; the unknown titles' come title by title.
            if zip(plays, plays.dropFirst()).contains(where: { $0.day > $1.day }) { plays.sort { $0.day < $1.day } }
            smallPeople.nextGroup()
            var total: Int64 = 0
            var lo = 0
            while lo < plays.count {
                var hi = lo
                var dayViewers: Int32 = 0
                dayPeople.nextGroup()
                while hi < plays.count && plays[hi].day == plays[lo].day {
                    if dayPeople.first(plays[hi].person) { dayViewers += 1 }
                    hi += 1
                }
                if isSmall?(plays[lo].day) ?? (dayViewers < floor) {
                    for i in lo..<hi where smallPeople.first(plays[i].person) { total += 1 }
                }
                lo = hi
            }
            return total
        }
    }
}
