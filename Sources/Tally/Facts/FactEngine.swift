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
        var facts = Facts()
        var keyCache: [Int64: Int32] = [:]
        func key(_ titleID: Int32, _ day: Int32) -> Int32 {
            let packed = Int64(titleID) << 32 | Int64(UInt32(bitPattern: day))
            if let k = keyCache[packed] { return k }
            let k = titleKey(titleID, on: day)
            keyCache[packed] = k
            return k
        }
        let people = Int(rows.lazy.map(\.person).max() ?? -1) + 1
        computeDays(scope, people: people, key: key, into: &facts)
        computePeriods(scope, people: people, key: key, into: &facts)
        computeStreaks(scope, key: key, into: &facts)
        return facts
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

    /// Skipped plays per day, title key and segment, and per day and title key, of the titles that
    /// have activity that day (durations carry no person, so they outlive erased people's rows).
    private func daySkips(_ days: Set<Int32>, key: (Int32, Int32) -> Int32) -> (segments: [DayKey: Int64], days: [DayKey: Int64]) {
        var active = Set<Int64>()
        for r in rows where days.contains(r.day) { active.insert(Int64(r.day) << 32 | Int64(UInt32(bitPattern: r.titleID))) }
        var segments: [DayKey: Int64] = [:]
        var totals: [DayKey: Int64] = [:]
        for p in durations where days.contains(p.day) && active.contains(Int64(p.day) << 32 | Int64(UInt32(bitPattern: p.titleID))) {
            let title = key(p.titleID, p.day)
            guard isSkip(p.watched, key: title, titleID: p.titleID) else { continue }
            segments[DayKey(day: p.day, title: title, device: p.device, region: p.region, audience: p.audience), default: 0] += Int64(p.plays)
            totals[DayKey(day: p.day, title: title), default: 0] += Int64(p.plays)
        }
        return (segments, totals)
    }

    /// Daily and segment facts of the touched days.
    private func computeDays(_ scope: Scope, people: Int, key: (Int32, Int32) -> Int32, into facts: inout Facts) {
        let days = Set(scope.days)
        // Rows of the touched days in (day, title key, segment) order: each daily and segment group is contiguous.
        var order: [(day: Int32, title: Int32, device: Int16, region: Int16, audience: Int16, row: Int32)] = []
        for (i, r) in rows.enumerated() where days.contains(r.day) {
            order.append((r.day, key(r.titleID, r.day), r.device, r.region, r.audience, Int32(i)))
        }
        order.sort { ($0.day, $0.title, $0.device, $0.region, $0.audience) < ($1.day, $1.title, $1.device, $1.region, $1.audience) }
        let skips = daySkips(days, key: key)
        var dayPeople = Stamps(people: people)
        var segmentPeople = Stamps(people: people)
        var daily = Sums()
        var segment = Sums()
        for (n, o) in order.enumerated() {
            let r = rows[Int(o.row)]
            daily.add(r)
            segment.add(r)
            if r.plays > 0 {
                if dayPeople.first(r.person) { daily.viewers += 1 }
                if segmentPeople.first(r.person) { segment.viewers += 1 }
            }
            let next = n + 1 < order.count ? order[n + 1] : nil
            let dayEnds = next.map { ($0.day, $0.title) != (o.day, o.title) } ?? true
            if dayEnds || (next!.device, next!.region, next!.audience) != (o.device, o.region, o.audience) {
                let k = DayKey(day: o.day, title: o.title, device: o.device, region: o.region, audience: o.audience)
                segment.skips = skips.segments[k] ?? 0
                facts.segments.add(Int64(o.day), Int64(o.title), Int64(o.device), Int64(o.region), Int64(o.audience),
                                   segment.viewers, segment.plays, segment.completed, segment.watch, segment.up, segment.down, segment.skips)
                segment = Sums()
                segmentPeople.nextGroup()
            }
            if dayEnds {
                daily.skips = skips.days[DayKey(day: o.day, title: o.title)] ?? 0
                facts.daily.add(Int64(o.day), Int64(o.title), daily.viewers, daily.plays, daily.completed, daily.watch,
                                daily.up, daily.down, daily.skips)
                daily = Sums()
                dayPeople.nextGroup()
            }
        }
    }

    /// Week and month facts, audiences and co-viewing pairs of the periods in scope.
    private func computePeriods(_ scope: Scope, people: Int, key: (Int32, Int32) -> Int32, into facts: inout Facts) {
        var titlePeople = Stamps(people: people)
        var periodPeople = Stamps(people: people)
        for p in scope.periods {
            let titleDay = min(p.finish, lastDay)
            // Rows of the period in title key order; each person's distinct known titles for co-viewing.
            var order: [(title: Int32, row: Int32)] = []
            for (i, r) in rows.enumerated() where r.day >= p.start && r.day <= p.finish {
                order.append((key(r.titleID, titleDay), Int32(i)))
            }
            guard !order.isEmpty else { continue }
            order.sort { $0.title < $1.title }
            let active = Set(order.map { rows[Int($0.row)].titleID })
            var skips: [Int32: Int64] = [:]
            for d in durations where d.day >= p.start && d.day <= p.finish && active.contains(d.titleID) {
                let title = key(d.titleID, titleDay)
                if isSkip(d.watched, key: title, titleID: d.titleID) { skips[title, default: 0] += Int64(d.plays) }
            }
            var watched: [Int32: [Int32]] = [:]
            var audience: Int64 = 0
            periodPeople.nextGroup()
            var sums = Sums()
            for (n, o) in order.enumerated() {
                let r = rows[Int(o.row)]
                sums.add(r)
                if r.plays > 0 {
                    if titlePeople.first(r.person) {
                        sums.viewers += 1
                        if o.title != -1 { watched[r.person, default: []].append(o.title) }
                    }
                    if periodPeople.first(r.person) { audience += 1 }
                }
                if n + 1 == order.count || order[n + 1].title != o.title {
                    facts.periods.add(p.kind.rawValue, Int64(p.start), Int64(o.title), sums.viewers, sums.plays, sums.watch, skips[o.title] ?? 0)
                    sums = Sums()
                    titlePeople.nextGroup()
                }
            }
            if audience > 0 { facts.audiences.add(p.kind.rawValue, Int64(p.start), audience) }
            countPairs(watched.values.filter { $0.count > 1 }, period: p, into: &facts)
        }
    }

    /// Co-viewing: every pair of titles a person played in the period (lists are in title order),
    /// counted in a dense triangle over the period's titles when that is small (up to 4,096 titles,
    /// 32 MiB), else in a dictionary.
    private func countPairs(_ lists: [[Int32]], period p: Period, into facts: inout Facts) {
        guard !lists.isEmpty else { return }
        let titles = Array(Set(lists.joined())).sorted()
        let index = Dictionary(uniqueKeysWithValues: titles.enumerated().map { ($1, $0) })
        let n = titles.count
        if n <= 4_096 {
            // Pair (a, b), a < b, lives at row(a) + b, where row(a) = a(2n - a - 1)/2 - a - 1.
            func row(_ a: Int) -> Int { a * (2 * n - a - 1) / 2 - a - 1 }
            var counts = [Int32](repeating: 0, count: n * (n - 1) / 2)
            for list in lists {
                let dense = list.map { index[$0]! }
                for a in 0..<(dense.count - 1) {
                    let base = row(dense[a])
                    for b in (a + 1)..<dense.count { counts[base + dense[b]] += 1 }
                }
            }
            for a in 0..<n {
                let base = row(a)
                for b in (a + 1)..<n where counts[base + b] > 0 {
                    facts.coviewing.add(p.kind.rawValue, Int64(p.start), Int64(titles[a]), Int64(titles[b]), Int64(counts[base + b]))
                }
            }
        } else {
            var counts: [Int64: Int64] = [:]
            for list in lists {
                for a in 0..<(list.count - 1) {
                    for b in (a + 1)..<list.count { counts[Int64(list[a]) << 32 | Int64(list[b]), default: 0] += 1 }
                }
            }
            for (pair, shared) in counts {
                facts.coviewing.add(p.kind.rawValue, Int64(p.start), pair >> 32, pair & 0xFFFF_FFFF, shared)
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
