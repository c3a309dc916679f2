/// Recomputes the facts of a run exactly, in memory, from pseudonymous private state: the daily and
/// segment facts of the touched days, the week and month facts (viewers, audience, co-viewing) of
/// their periods, and the streak facts of every as-of day that depends on them. Persons are slots
/// (small integers standing for pseudonyms); nothing here knows who anyone is.
///
/// PostgreSQL did this in set-based SQL until the 5M-event benchmark showed it spending over a
/// minute on distinct counts over 32-byte pseudonyms (bench/RESULTS.md); the rules are unchanged.
struct FactEngine {
    /// One private.activity row: a person's counts on a day, title and segment.
    struct Row {
        var person: Int32
        var day: Int32
        var titleID: Int32
        var device: Int16
        var region: Int16
        var audience: Int16
        var plays: Int32
        var completedPlays: Int32
        var watchSeconds: Int64
        var thumbsUp: Int32
        var thumbsDown: Int32
    }

    /// One private.play_durations row: how many plays of a day, title and segment lasted `watched` seconds.
    struct Duration {
        var day: Int32
        var titleID: Int32
        var device: Int16
        var region: Int16
        var audience: Int16
        var watched: Int32
        var plays: Int32
    }

    /// A dim_title version.
    struct TitleVersion {
        var key: Int32
        /// valid_from, microseconds since 1970.
        var validFrom: Int64
        /// A play of this version shorter than this many seconds is a skip: ceil(min(skip_seconds,
        /// skip_runtime_share × runtime)), computed by PostgreSQL in numeric, so exact (for whole
        /// seconds, w < x exactly when w < ceil(x)); skip_seconds when the runtime is unknown.
        var skipBelow: Int32
    }

    struct Period: Hashable {
        /// The period_kind column's values; the raw value is what fact rows carry.
        enum Kind: Int64 {
            case week, month
        }

        var kind: Kind
        var start: Int32
        var finish: Int32
    }

    /// What to recompute.
    struct Scope {
        var days: [Int32]
        var periods: [Period]
        var asOf: [Int32]
        /// The days whose private state the facts need, as disjoint ranges in order.
        var stateDays: [ClosedRange<Int32>]

        /// The days touched from `cutoff` on (private state before it is partly purged), their weeks
        /// and months unless they start before `cutoff`, and every as-of day up to `streakMax - 1`
        /// later, up to `lastDay`, whose window does not start before `cutoff`.
        init(days touched: [Int32], cutoff: Int32, lastDay: Int32, streakMax: Int) {
            days = Array(Set(touched.filter { $0 >= cutoff })).sorted()
            var periods = Set<Period>()
            var asOf = Set<Int32>()
            for d in days {
                let week = Days.weekStart(d)
                periods.insert(Period(kind: .week, start: week, finish: week + 6))
                let (start, finish) = Days.month(of: d)
                periods.insert(Period(kind: .month, start: start, finish: finish))
                for g in 0..<Int32(streakMax) where d + g <= lastDay && d + g - Int32(streakMax - 1) >= cutoff {
                    asOf.insert(d + g)
                }
            }
            self.periods = periods.filter { $0.start >= cutoff }.sorted { ($0.kind.rawValue, $0.start) < ($1.kind.rawValue, $1.start) }
            self.asOf = asOf.sorted()
            let needed = days.map { $0...$0 } + self.periods.map { $0.start...$0.finish }
                + self.asOf.map { ($0 - Int32(streakMax - 1))...$0 }
            var merged: [ClosedRange<Int32>] = []
            for range in needed.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            stateDays = merged
        }
    }

    /// Rows of one fact table, flat: `width` values a row. Dates are days since 1970 and period
    /// kinds are `Period.Kind` raw values; the writer formats them.
    struct FactRows {
        let width: Int
        private(set) var values: [Int64] = []

        init(width: Int) {
            self.width = width
        }

        var count: Int { values.count / width }

        mutating func add(_ row: Int64...) {
            assert(row.count == width)
            values.append(contentsOf: row)
        }

        mutating func append(_ other: FactRows) {
            values.append(contentsOf: other.values)
        }
    }

    /// The fact rows of a recompute, in their tables' column order.
    struct Facts {
        /// day, title key, viewers, plays, completed, watch seconds, thumbs up, thumbs down, skips.
        var daily = FactRows(width: 9)
        /// day, title key, device, region, audience, then the daily measures.
        var segments = FactRows(width: 12)
        /// kind, start, title key, viewers, plays, watch seconds, skips.
        var periods = FactRows(width: 7)
        /// kind, start, viewers.
        var audiences = FactRows(width: 3)
        /// kind, start, title a, title b, shared viewers.
        var coviewing = FactRows(width: 5)
        /// as-of day, title key, streak days, viewers.
        var streaks = FactRows(width: 4)

        mutating func append(_ other: Facts) {
            daily.append(other.daily)
            segments.append(other.segments)
            periods.append(other.periods)
            audiences.append(other.audiences)
            coviewing.append(other.coviewing)
            streaks.append(other.streaks)
        }
    }

    var rows: [Row]
    var durations: [Duration]
    var versions: [Int32: [TitleVersion]]
    /// The instant (µs since 1970) a day ends in the business time zone, for every day in scope.
    var endOfDay: [Int32: Int64]
    /// The skip threshold of plays of titles not in the catalogue (skip_seconds).
    var skipSeconds: Int32
    var streakMax: Int
    /// The last day with any private state (after this run's rows).
    var lastDay: Int32

    /// The dim_title version of a title valid at the end of a day: the latest version that had taken
    /// effect, else its first version; -1 (unknown) when the title is not in the catalogue.
    func titleKey(_ titleID: Int32, on day: Int32) -> Int32 {
        guard let versions = versions[titleID], let end = endOfDay[day] else { return -1 }
        var best: TitleVersion?
        for v in versions {
            guard let b = best else { best = v; continue }
            let vIn = v.validFrom < end, bIn = b.validFrom < end
            if vIn != bIn {
                if vIn { best = v }
            } else if v.validFrom != b.validFrom {
                if vIn ? v.validFrom > b.validFrom : v.validFrom < b.validFrom { best = v }
            } else if v.key > b.key {
                best = v
            }
        }
        return best?.key ?? -1
    }

    /// Whether a play of `watched` seconds of a title version is a skip.
    func isSkip(_ watched: Int32, key: Int32, titleID: Int32) -> Bool {
        watched < (versions[titleID]?.first { $0.key == key }?.skipBelow ?? skipSeconds)
    }

    func compute(_ scope: Scope) -> Facts {
        var all = Facts()
        compute(scope) { all.append($0) }
        return all
    }

    /// Computes the facts in three stages, the daily and segment facts; the period, audience and
    /// co-viewing facts; and the streak facts, handing each stage's rows to `stage` when it is done,
    /// so they can be written while the next stage is computed.
    func compute(_ scope: Scope, stage: (Facts) throws -> Void) rethrows {
        var keyCache: [Int64: Int32] = [:]
        func key(_ titleID: Int32, _ day: Int32) -> Int32 {
            let packed = Int64(titleID) << 32 | Int64(UInt32(bitPattern: day))
            if let k = keyCache[packed] { return k }
            let k = titleKey(titleID, on: day)
            keyCache[packed] = k
            return k
        }
        let people = Int(rows.lazy.map(\.person).max() ?? -1) + 1
        var facts = Facts()
        let layout = Layout(rows: rows, durations: durations)
        computeDays(scope, layout, people: people, into: &facts)
        try stage(facts)
        facts = Facts()
        computePeriods(scope, layout, people: people, into: &facts)
        try stage(facts)
        facts = Facts()
        computeStreaks(scope, key: key, into: &facts)
        try stage(facts)
    }

    private struct Sums {
        var viewers: Int64 = 0
        var plays: Int64 = 0
        var completed: Int64 = 0
        var watch: Int64 = 0
        var up: Int64 = 0
        var down: Int64 = 0
        var skips: Int64 = 0

        mutating func add(_ r: Row) {
            plays += Int64(r.plays)
            completed += Int64(r.completedPlays)
            watch += r.watchSeconds
            up += Int64(r.thumbsUp)
            down += Int64(r.thumbsDown)
        }
    }

    private struct DayKey: Hashable {
        var day: Int32
        var title: Int32
        var device: Int16 = -1
        var region: Int16 = -1
        var audience: Int16 = -1
    }

    /// Distinct people per group, without hashing: rows of a group are visited together, and a
    /// person counts once per group because their stamp then holds the group's number.
    private struct Stamps {
        private var stamps: [Int32]
        private(set) var group: Int32 = 0

        init(people: Int) {
            stamps = [Int32](repeating: -1, count: people)
        }

        mutating func nextGroup() { group += 1 }

        /// Whether this is the person's first row in the current group.
        mutating func first(_ person: Int32) -> Bool {
            guard stamps[Int(person)] != group else { return false }
            stamps[Int(person)] = group
            return true
        }
    }

    /// Rows and durations grouped by day, and titles numbered densely, built once per compute so
    /// each day and period finds its rows without a scan and its title keys without hashing.
    private struct Layout {
        /// The first day with rows or durations; days are indexed from it.
        var firstDay: Int32 = 0
        /// Row indexes in day order; the rows of day index i are rowOrder[rowStart[i]..<rowStart[i + 1]].
        var rowOrder: [Int32] = []
        var rowStart: [Int] = [0]
        var durationOrder: [Int32] = []
        var durationStart: [Int] = [0]
        /// Title ids by dense index, and the dense index of each row's and duration's title.
        var titleIDs: [Int32] = []
        var rowTitle: [Int32] = []
        var durationTitle: [Int32] = []

        init(rows: [Row], durations: [Duration]) {
            let rowDays = rows.lazy.map(\.day), durationDays = durations.lazy.map(\.day)
            guard let first = [rowDays.min(), durationDays.min()].compactMap({ $0 }).min(),
                  let last = [rowDays.max(), durationDays.max()].compactMap({ $0 }).max() else { return }
            firstDay = first
            (rowOrder, rowStart) = Self.byDay(rowDays, first: first, last: last)
            (durationOrder, durationStart) = Self.byDay(durationDays, first: first, last: last)
            var dense: [Int32: Int32] = [:]
            func index(_ titleID: Int32) -> Int32 {
                if let known = dense[titleID] { return known }
                let i = Int32(titleIDs.count)
                titleIDs.append(titleID)
                dense[titleID] = i
                return i
            }
            rowTitle = rows.map { index($0.titleID) }
            durationTitle = durations.map { index($0.titleID) }
        }

        /// A counting sort of indexes by day (stable).
        private static func byDay<C: Collection>(_ days: C, first: Int32, last: Int32) -> ([Int32], [Int]) where C.Element == Int32 {
            var start = [Int](repeating: 0, count: Int(last - first) + 2)
            for d in days { start[Int(d - first) + 1] += 1 }
            for i in 1..<start.count { start[i] += start[i - 1] }
            var next = start
            var order = [Int32](repeating: 0, count: days.count)
            for (i, d) in days.enumerated() {
                order[next[Int(d - first)]] = Int32(i)
                next[Int(d - first)] += 1
            }
            return (order, start)
        }

        /// The day indexes of a range of days, clamped to the days present.
        private func indexes(_ days: ClosedRange<Int32>) -> Range<Int> {
            let lo = max(Int(days.lowerBound) - Int(firstDay), 0), hi = min(Int(days.upperBound) - Int(firstDay) + 1, rowStart.count - 1)
            return lo < hi ? lo..<hi : 0..<0
        }

        func rows(_ days: ClosedRange<Int32>) -> ArraySlice<Int32> {
            let i = indexes(days)
            return i.isEmpty ? [] : rowOrder[rowStart[i.lowerBound]..<rowStart[i.upperBound]]
        }

        func durations(_ days: ClosedRange<Int32>) -> ArraySlice<Int32> {
            let i = indexes(days)
            return i.isEmpty ? [] : durationOrder[durationStart[i.lowerBound]..<durationStart[i.upperBound]]
        }
    }

    /// Title keys by dense title index at the end of one day, computed when first asked for.
    private struct KeysOnDay {
        private var keys: [Int32]
        private var day: Int32

        init(titles: Int) {
            keys = [Int32](repeating: .min, count: titles)
            day = .min
        }

        mutating func reset(day: Int32) {
            if day != self.day { keys.withUnsafeMutableBufferPointer { $0.update(repeating: .min) } }
            self.day = day
        }

        mutating func key(_ title: Int32, _ engine: FactEngine, _ layout: Layout) -> Int32 {
            let k = keys[Int(title)]
            if k != .min { return k }
            let computed = engine.titleKey(layout.titleIDs[Int(title)], on: day)
            keys[Int(title)] = computed
            return computed
        }
    }

    /// Daily and segment facts of the touched days. Each day's rows are sorted by title key and
    /// segment, so each daily and segment group is contiguous; skips come from the durations of the
    /// titles with activity that day (durations carry no person, so they outlive erased people's
    /// rows: daily skips count segments that have no row left).
    private func computeDays(_ scope: Scope, _ layout: Layout, people: Int, into facts: inout Facts) {
        var dayPeople = Stamps(people: people)
        var segmentPeople = Stamps(people: people)
        var keys = KeysOnDay(titles: layout.titleIDs.count)
        var active = [Bool](repeating: false, count: layout.titleIDs.count)
        var activeTitles: [Int32] = []
        // The day's rows, gathered once (rows of a day are scattered), and their order:
        // (title key, device, region) then (audience, index in dayRows), with signs flipped so
        // unsigned order is signed order.
        var dayRows: [Row] = []
        var order: [(a: UInt64, b: UInt64)] = []
        for d in scope.days {
            keys.reset(day: d)
            dayRows.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            for i in layout.rows(d...d) {
                let r = rows[Int(i)]
                let t = layout.rowTitle[Int(i)]
                if !active[Int(t)] {
                    active[Int(t)] = true
                    activeTitles.append(t)
                }
                let k = keys.key(t, self, layout)
                order.append((UInt64(UInt32(bitPattern: k) ^ 0x8000_0000) << 32 | UInt64(UInt16(bitPattern: r.device) ^ 0x8000) << 16
                                  | UInt64(UInt16(bitPattern: r.region) ^ 0x8000),
                              UInt64(UInt16(bitPattern: r.audience) ^ 0x8000) << 32 | UInt64(dayRows.count)))
                dayRows.append(r)
            }
            guard !order.isEmpty else { continue }
            order.sort { $0.a != $1.a ? $0.a < $1.a : $0.b < $1.b }

            var segmentSkips: [DayKey: Int64] = [:]
            var daySkips: [Int32: Int64] = [:]
            for j in layout.durations(d...d) {
                let t = layout.durationTitle[Int(j)]
                guard active[Int(t)] else { continue }
                let p = durations[Int(j)]
                let k = keys.key(t, self, layout)
                guard isSkip(p.watched, key: k, titleID: p.titleID) else { continue }
                segmentSkips[DayKey(day: d, title: k, device: p.device, region: p.region, audience: p.audience), default: 0] += Int64(p.plays)
                daySkips[k, default: 0] += Int64(p.plays)
            }

            var daily = Sums()
            var segment = Sums()
            for t in activeTitles { active[Int(t)] = false }
            activeTitles.removeAll(keepingCapacity: true)
            for (n, o) in order.enumerated() {
                let r = dayRows[Int(o.b & 0xFFFF_FFFF)]
                daily.add(r)
                segment.add(r)
                if r.plays > 0 {
                    if dayPeople.first(r.person) { daily.viewers += 1 }
                    if segmentPeople.first(r.person) { segment.viewers += 1 }
                }
                let next = n + 1 < order.count ? order[n + 1] : nil
                let key = Int32(bitPattern: UInt32(o.a >> 32) ^ 0x8000_0000)
                let keyEnds = next.map { $0.a >> 32 != o.a >> 32 } ?? true
                if keyEnds || next!.a != o.a || next!.b >> 32 != o.b >> 32 {
                    segment.skips = segmentSkips[DayKey(day: d, title: key, device: r.device, region: r.region, audience: r.audience)] ?? 0
                    facts.segments.add(Int64(d), Int64(key), Int64(r.device), Int64(r.region), Int64(r.audience),
                                       segment.viewers, segment.plays, segment.completed, segment.watch, segment.up, segment.down, segment.skips)
                    segment = Sums()
                    segmentPeople.nextGroup()
                }
                if keyEnds {
                    daily.skips = daySkips[key] ?? 0
                    facts.daily.add(Int64(d), Int64(key), daily.viewers, daily.plays, daily.completed, daily.watch,
                                    daily.up, daily.down, daily.skips)
                    daily = Sums()
                    dayPeople.nextGroup()
                }
            }
        }
    }

    /// Week and month facts, audiences and co-viewing pairs of the periods in scope. A period's rows
    /// are grouped by title with a counting sort, and its titles visited in key order (titles not
    /// in the catalogue together, as the one unknown title).
    private func computePeriods(_ scope: Scope, _ layout: Layout, people: Int, into facts: inout Facts) {
        let titles = layout.titleIDs.count
        var titlePeople = Stamps(people: people)
        var periodPeople = Stamps(people: people)
        var keys = KeysOnDay(titles: titles)
        var start = [Int](repeating: 0, count: titles + 1)
        var order: [Int32] = []
        var perPerson = [Int32](repeating: 0, count: people + 1)
        for p in scope.periods {
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
            // Titles in key order; the rank of each known title, for co-viewing.
            let byKey = present.map { (key: keys.key(Int32($0), self, layout), title: $0) }.sorted { ($0.key, $0.title) < ($1.key, $1.title) }
            var rank = [Int32](repeating: -1, count: titles)
            var known: [Int32] = []
            for (k, t) in byKey where k != -1 {
                rank[t] = Int32(known.count)
                known.append(k)
            }
            var skips: [Int32: Int64] = [:]
            for j in layout.durations(p.start...p.finish) {
                let t = layout.durationTitle[Int(j)]
                guard start[Int(t) + 1] > start[Int(t)] else { continue }
                let d = durations[Int(j)]
                let k = keys.key(t, self, layout)
                if isSkip(d.watched, key: k, titleID: d.titleID) { skips[k, default: 0] += Int64(d.plays) }
            }

            // Each person's first play of each known title, in key order: (person, rank).
            var watched: [(person: Int32, rank: Int32)] = []
            var audience: Int64 = 0
            periodPeople.nextGroup()
            var sums = Sums()
            for (n, g) in byKey.enumerated() {
                for i in order[start[g.title]..<start[g.title + 1]] {
                    let r = rows[Int(i)]
                    sums.add(r)
                    guard r.plays > 0 else { continue }
                    if titlePeople.first(r.person) {
                        sums.viewers += 1
                        if g.key != -1 { watched.append((r.person, rank[g.title])) }
                    }
                    if periodPeople.first(r.person) { audience += 1 }
                }
                if n + 1 == byKey.count || byKey[n + 1].key != g.key {
                    facts.periods.add(p.kind.rawValue, Int64(p.start), Int64(g.key), sums.viewers, sums.plays, sums.watch, skips[g.key] ?? 0)
                    sums = Sums()
                    titlePeople.nextGroup()
                }
            }
            if audience > 0 { facts.audiences.add(p.kind.rawValue, Int64(p.start), audience) }

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
            countPairs(lists, starts: perPerson, keys: known, period: p, into: &facts)
        }
    }

    /// Co-viewing: every pair of titles a person played in the period. `lists` holds each person's
    /// titles as ranks into `keys` (ascending), person i's at starts[i]..<starts[i + 1]. Pairs are
    /// counted in a dense triangle over the ranks when that is small (up to 4,096 titles, 32 MiB),
    /// else in a dictionary.
    private func countPairs(_ lists: [Int32], starts: [Int32], keys: [Int32], period p: Period, into facts: inout Facts) {
        guard (0..<(starts.count - 1)).contains(where: { starts[$0 + 1] - starts[$0] > 1 }) else { return }
        let n = keys.count
        if n <= 4_096 {
            // Pair (a, b), a < b, lives at row(a) + b, where row(a) = a(2n - a - 1)/2 - a - 1.
            func row(_ a: Int) -> Int { a * (2 * n - a - 1) / 2 - a - 1 }
            var counts = [Int32](repeating: 0, count: n * (n - 1) / 2)
            for person in 0..<(starts.count - 1) {
                let lo = Int(starts[person]), hi = Int(starts[person + 1])
                guard hi - lo > 1 else { continue }
                for a in lo..<(hi - 1) {
                    let base = row(Int(lists[a]))
                    for b in (a + 1)..<hi { counts[base + Int(lists[b])] += 1 }
                }
            }
            for a in 0..<n {
                let base = row(a)
                for b in (a + 1)..<n where counts[base + b] > 0 {
                    facts.coviewing.add(p.kind.rawValue, Int64(p.start), Int64(keys[a]), Int64(keys[b]), Int64(counts[base + b]))
                }
            }
        } else {
            var counts: [Int64: Int64] = [:]
            for person in 0..<(starts.count - 1) {
                let lo = Int(starts[person]), hi = Int(starts[person + 1])
                guard hi - lo > 1 else { continue }
                for a in lo..<(hi - 1) {
                    for b in (a + 1)..<hi { counts[Int64(lists[a]) << 32 | Int64(lists[b]), default: 0] += 1 }
                }
            }
            for (pair, shared) in counts {
                facts.coviewing.add(p.kind.rawValue, Int64(p.start), Int64(keys[Int(pair >> 32)]), Int64(keys[Int(pair & 0xFFFF_FFFF)]), shared)
            }
        }
    }

    private struct StreakCount: Hashable {
        var day: Int32
        var title: Int32
        var streakDays: Int32
    }

    /// Streak facts: for each as-of day and title, how many people watched it on each of the last
    /// `streak_days` days, for 2 up to `streakMax`.
    private func computeStreaks(_ scope: Scope, key: (Int32, Int32) -> Int32, into facts: inout Facts) {
        guard let first = scope.asOf.first, let last = scope.asOf.last else { return }
        let lo = first - Int32(streakMax - 1)
        let asOf = Set(scope.asOf)
        // Who played what on which day, in (title, person, day) order, so each run of days is contiguous.
        var plays: [(title: Int32, person: Int32, day: Int32)] = []
        for r in rows where r.plays > 0 && r.day >= lo && r.day <= last {
            // Titles not yet in the catalogue all count as the one unknown title (-1), as in daily facts.
            plays.append((versions[r.titleID] == nil ? -1 : r.titleID, r.person, r.day))
        }
        plays.sort { ($0.title, $0.person, $0.day) < ($1.title, $1.person, $1.day) }
        // Per as-of day and title: how many people's run ending that day is exactly L days long (capped).
        var lengths: [DayKey: [Int64]] = [:]
        var runStart: Int32 = 0
        for (i, p) in plays.enumerated() {
            let previous = i > 0 ? plays[i - 1] : nil
            if let previous, (previous.title, previous.person) == (p.title, p.person) {
                if p.day == previous.day { continue }
                if p.day != previous.day + 1 { runStart = p.day }
            } else {
                runStart = p.day
            }
            guard p.day > runStart, asOf.contains(p.day) else { continue }
            let length = Int(min(p.day - runStart + 1, Int32(streakMax)))
            lengths[DayKey(day: p.day, title: p.title), default: [Int64](repeating: 0, count: streakMax + 1)][length] += 1
        }
        var counts: [StreakCount: Int64] = [:]
        for (k, histogram) in lengths {
            let title = key(k.title, k.day)
            var atLeast: Int64 = 0
            for s in stride(from: streakMax, through: 2, by: -1) {
                atLeast += histogram[s]
                if atLeast > 0 { counts[StreakCount(day: k.day, title: title, streakDays: Int32(s)), default: 0] += atLeast }
            }
        }
        for (k, viewers) in counts {
            facts.streaks.add(Int64(k.day), Int64(k.title), Int64(k.streakDays), viewers)
        }
    }
}

/// Day arithmetic on days since 1970-01-01 (a Thursday), proleptic Gregorian.
enum Days {
    /// The Monday starting the ISO week of a day.
    static func weekStart(_ day: Int32) -> Int32 {
        day - Int32(((Int(day) % 7) + 7 + 3) % 7)
    }

    /// First and last day of the month of a day.
    static func month(of day: Int32) -> (Int32, Int32) {
        let (y, m, _) = TimestampText.civilFromDays(Int(day))
        let start = TimestampText.daysFromCivil(year: y, month: m, day: 1)
        let next = m == 12 ? TimestampText.daysFromCivil(year: y + 1, month: 1, day: 1) : TimestampText.daysFromCivil(year: y, month: m + 1, day: 1)
        return (Int32(start), Int32(next - 1))
    }

    /// The yyyymmdd smart key of dim_date.
    static func dateKey(_ day: Int32) -> Int32 {
        let (y, m, d) = TimestampText.civilFromDays(Int(day))
        return Int32(y * 10_000 + m * 100 + d)
    }

    static func text(_ day: Int32) -> String {
        let (y, m, d) = TimestampText.civilFromDays(Int(day))
        return PostgresDate(year: y, month: m, day: d).description
    }
}
