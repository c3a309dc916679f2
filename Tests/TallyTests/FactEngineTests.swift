import Testing

@testable import Tally

@Suite("fact engine")
struct FactEngineTests {
    static func day(_ y: Int, _ m: Int, _ d: Int) -> Int32 { Day(year: y, month: m, day: d).daysSince1970 }

    static func row(_ person: Int32, _ day: Int32, _ title: Int32, plays: Int32 = 1, device: Int16 = 1, watch: Int64 = 100) -> FactEngine.Row {
        FactEngine.Row(
            person: person, day: day, titleID: title, device: device, region: 1, audience: 1, plays: plays,
            completedPlays: 0, watchSeconds: watch, thumbsUp: plays == 0 ? 1 : 0, thumbsDown: 0)
    }

    /// Titles 10, 20 and 50 are in the catalogue (keys 1, 2 and 3); title 30 is not.
    static func engine(_ rows: [FactEngine.Row], durations: [FactEngine.Duration] = [], lastDay: Int32, coviewingFloor: Int32 = 1) -> FactEngine {
        var ends: [Int32: Int64] = [:]
        for d in (lastDay - 60)...(lastDay + 1) { ends[d] = (Int64(d) + 1) * 86_400 * 1_000_000 }
        return FactEngine(
            rows: rows, durations: durations,
            // Title 10 runs 150 s: with the default share (10%) PostgreSQL gives ceil(min(30, 15)) = 15.
            // Title 20 has no runtime: skip_seconds, 30.
            versions: [
                10: [.init(key: 1, validFrom: 0, skipBelow: 15)], 20: [.init(key: 2, validFrom: 0, skipBelow: 30)],
                50: [.init(key: 3, validFrom: 0, skipBelow: 30)],
            ],
            endOfDay: ends, skipSeconds: 30,
            streakMax: 5, coviewingFloor: coviewingFloor, lastDay: lastDay)
    }

    /// The rows of a fact table as arrays in the table's column order, for comparison.
    static func measures(_ m: FactMeasures) -> [Int64] {
        [m.viewers, m.plays, m.completedPlays, m.watchSeconds, m.thumbsUp, m.thumbsDown, m.skips]
    }
    static func table(_ rows: [DailyFact]) -> Set<[Int64]> {
        Set(rows.map { [Int64($0.day.daysSince1970), Int64($0.titleKey)] + measures($0.measures) })
    }
    static func table(_ rows: [SegmentFact]) -> Set<[Int64]> {
        Set(rows.map { [Int64($0.day.daysSince1970), Int64($0.titleKey), Int64($0.device), Int64($0.region), Int64($0.audience)] + measures($0.measures) })
    }
    static func table(_ rows: [CoviewingFact]) -> Set<[Int64]> {
        Set(rows.map { [$0.period.kind.rawValue, Int64($0.period.start), Int64($0.titleA), Int64($0.titleB), $0.sharedViewers] })
    }
    static func table(_ rows: [StreakFact]) -> Set<[Int64]> {
        Set(rows.map { [Int64($0.asOf.daysSince1970), Int64($0.titleKey), Int64($0.streakDays), $0.viewers] })
    }

    @Test("rows appended by two runs add up; each person counts once; ratings alone make no viewer")
    func dailyFacts() {
        let d = Self.day(2026, 11, 20)
        let rows = [
            Self.row(0, d, 10), Self.row(0, d, 10),  // person 0, twice (two runs)
            Self.row(1, d, 10, device: 2),  // person 1, another device
            Self.row(2, d, 10, plays: 0, watch: 0),  // person 2 only rated it
            Self.row(0, d, 30), Self.row(1, d, 31),  // two unknown titles: one -1 fact
        ]
        let facts = Self.engine(rows, lastDay: d).compute(FactEngine.Scope(days: [d], cutoff: d - 70, lastDay: d, streakMax: 5))
        let daily = Self.table(facts.daily)
        #expect(daily.contains([Int64(d), 1, 2, 3, 0, 300, 1, 0, 0]))
        #expect(daily.contains([Int64(d), -1, 2, 2, 0, 200, 0, 0, 0]))
        #expect(daily.count == 2)
        #expect(Self.table(facts.segments).contains([Int64(d), 1, 1, 1, 1, 1, 2, 0, 200, 1, 0, 0]))
    }

    @Test("skips are plays under each version's threshold; daily skips count segments without activity too")
    func skips() {
        let d = Self.day(2026, 11, 20)
        let durations =
            [14, 15, 29, 30].map {
                FactEngine.Duration(day: d, titleID: 10, device: 1, region: 1, audience: 1, watched: Int32($0), plays: 1)
            } + [29, 30].map { FactEngine.Duration(day: d, titleID: 20, device: 1, region: 1, audience: 1, watched: Int32($0), plays: 1) }
            // A skip on a device whose viewer's rows were erased: still a skip of the day, in no segment.
            + [FactEngine.Duration(day: d, titleID: 20, device: 9, region: 1, audience: 1, watched: 3, plays: 1)]
            // Durations of a title with no activity that day count nowhere.
            + [FactEngine.Duration(day: d, titleID: 30, device: 1, region: 1, audience: 1, watched: 3, plays: 1)]
        let facts = Self.engine([Self.row(0, d, 10), Self.row(0, d, 20)], durations: durations, lastDay: d)
            .compute(FactEngine.Scope(days: [d], cutoff: d - 70, lastDay: d, streakMax: 5))
        let daily = Self.table(facts.daily)
        #expect(daily.contains([Int64(d), 1, 1, 1, 0, 100, 0, 0, 1]))
        #expect(daily.contains([Int64(d), 2, 1, 1, 0, 100, 0, 0, 2]))
        #expect(daily.count == 2)
        #expect(Self.table(facts.segments).contains([Int64(d), 2, 1, 1, 1, 1, 1, 0, 100, 0, 0, 1]))
    }

    @Test("co-viewing stores only pairs at the floor, and never counts a title that has fewer viewers than the floor")
    func coviewingFloor() {
        let last = Self.day(2026, 11, 27)
        var rows: [FactEngine.Row] = []
        // Persons 0-2 watched titles 10 and 20; persons 0 and 1 also title 50; person 3 only 10 and 50.
        for p: Int32 in 0..<3 { rows += [Self.row(p, last, 10), Self.row(p, last, 20)] }
        rows += [Self.row(0, last, 50), Self.row(1, last, 50), Self.row(3, last, 10), Self.row(3, last, 50)]
        let scope = FactEngine.Scope(days: [last], cutoff: last - 70, lastDay: last, streakMax: 5)
        let week = Int64(Day(daysSince1970: last).weekStart.daysSince1970)
        func weekPairs(floor: Int32) -> Set<[Int64]> {
            Self.table(Self.engine(rows, lastDay: last, coviewingFloor: floor).compute(scope).coviewing).filter { $0[0] == 0 && $0[1] == week }
        }
        #expect(weekPairs(floor: 1) == [[0, week, 1, 2, 3], [0, week, 1, 3, 3], [0, week, 2, 3, 2]])
        #expect(weekPairs(floor: 3) == [[0, week, 1, 2, 3], [0, week, 1, 3, 3]])
        #expect(weekPairs(floor: 4) == [], "title 10 has 4 viewers, but no partner has 4")
        // The period facts themselves do not depend on the floor.
        let all = Self.engine(rows, lastDay: last, coviewingFloor: 1).compute(scope)
        let floored = Self.engine(rows, lastDay: last, coviewingFloor: 4).compute(scope)
        #expect(Set(all.periods.map { [$0.titleKey, Int32($0.viewers)] }) == Set(floored.periods.map { [$0.titleKey, Int32($0.viewers)] }))
    }

    @Test("a bound on titles per person keeps a heavy viewer's pairs to the chosen titles, the same on every run; off, co-viewing is exact")
    func contributionBound() {
        let last = Self.day(2026, 11, 27)
        // Persons 0 and 1 watched titles 10 and 20; person 2, a heavy viewer, 10, 20 and 50.
        var rows = [Self.row(0, last, 10), Self.row(0, last, 20), Self.row(1, last, 10), Self.row(1, last, 20)]
        rows += [Self.row(2, last, 10), Self.row(2, last, 20), Self.row(2, last, 50)]
        let scope = FactEngine.Scope(days: [last], cutoff: last - 70, lastDay: last, streakMax: 5)
        let week = Int64(Day(daysSince1970: last).weekStart.daysSince1970)
        func weekPairs(_ bound: ContributionBound?) -> Set<[Int64]> {
            var engine = Self.engine(rows, lastDay: last)
            engine.contributionBound = bound
            return Self.table(engine.compute(scope).coviewing).filter { $0[0] == 0 && $0[1] == week }
        }
        #expect(weekPairs(nil) == [[0, week, 1, 2, 3], [0, week, 1, 3, 1], [0, week, 2, 3, 1]])
        let bound = ContributionBound(limit: 2, key: Array("a key for the test, 32 bytes long".utf8))
        let bounded = weekPairs(bound)
        #expect(
            bounded.map { $0[4] }.reduce(0, +) == 3, "persons 0 and 1 share 10 and 20; person 2 adds one pair of its two chosen titles: \(bounded)")
        #expect(weekPairs(bound) == bounded, "the same choice on every run")
        let choices = Set(
            (0..<16).map { n in
                ContributionBound(limit: 2, key: Array("key \(n) for this test, 32 bytes".utf8)).chosen([0, 1, 2], person: 2, titleKeys: [1, 2, 3])
            })
        #expect(choices.count > 1, "the choice depends on the key")
        #expect(bound.chosen([0, 1], person: 2, titleKeys: [1, 2]) == [0, 1], "within the bound, every title counts")
    }

    @Test("co-viewing counts people per pair; streaks count runs ending on each as-of day")
    func periodsAndStreaks() {
        let last = Self.day(2026, 11, 27)  // a Friday
        var rows: [FactEngine.Row] = []
        for p: Int32 in 0..<3 { rows += [Self.row(p, last, 10), Self.row(p, last - 1, 20)] }
        rows.append(Self.row(3, last, 10))
        // Person 0 watched title 10 on the last four days, person 1 on the last two.
        rows += (1...3).map { Self.row(0, last - $0, 10) } + [Self.row(1, last - 1, 10)]
        let scope = FactEngine.Scope(days: [last], cutoff: last - 70, lastDay: last, streakMax: 5)
        let facts = Self.engine(rows, lastDay: last).compute(scope)
        let week = Int64(Day(daysSince1970: last).weekStart.daysSince1970)
        #expect(week == Int64(Self.day(2026, 11, 23)))
        #expect(Self.table(facts.coviewing).contains([0, week, 1, 2, 3]))
        let streaks = Self.table(facts.streaks).filter { $0[0] == Int64(last) && $0[1] == 1 }
        #expect(streaks == [[Int64(last), 1, 2, 2], [Int64(last), 1, 3, 1], [Int64(last), 1, 4, 1]])
    }

    @Test("only days from the cutoff are recomputed; state is read for the ranges the facts need")
    func scope() {
        let d = Self.day(2026, 11, 27)
        let scope = FactEngine.Scope(days: [d, d - 60, d - 100], cutoff: d - 70, lastDay: d, streakMax: 5)
        #expect(scope.days == [d - 60, d])
        // d - 60 is Monday 2026-09-28: its week up to 4 October and streak windows from 24 September
        // (September itself starts before the cutoff, 18 September, so it is not rewritten); d needs
        // November. The days in between are not read.
        #expect(scope.periods.count == 3)
        #expect(scope.stateDays == [Self.day(2026, 9, 24)...Self.day(2026, 10, 4), Self.day(2026, 11, 1)...Self.day(2026, 11, 30)])
        #expect(scope.asOf.contains(d - 56) && !scope.asOf.contains(d - 55))
    }

    @Test("UUID text parses in either case and refuses anything else")
    func uuidText() {
        let lower = UUIDKey(Array("c0ffee00-0000-4000-8000-00000000ca12".utf8))
        #expect(lower != nil)
        #expect(lower == UUIDKey(Array("C0FFEE00-0000-4000-8000-00000000CA12".utf8)))
        #expect(lower != UUIDKey(Array("c0ffee00-0000-4000-8000-00000000ca13".utf8)))
        #expect(UUIDKey(Array("c0ffee00-0000-4000-8000-00000000ca1g".utf8)) == nil)
        #expect(UUIDKey(Array("c0ffee000-000-4000-8000-00000000ca12".utf8)) == nil)
        #expect(UUIDKey(Array("c0ffee00-0000-4000-8000-00000000ca1".utf8)) == nil)
    }
}
