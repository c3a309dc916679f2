extension FactEngine {
    /// Daily and segment facts of the touched days. Each day's rows are sorted by title key and
    /// segment, so each daily and segment group is contiguous; skips come from the durations of the
    /// titles with activity that day (durations carry no person, so they outlive erased people's
    /// rows: daily skips count segments that have no row left).
    func computeDays(_ scope: Scope, _ layout: Layout, people: Int, into facts: inout Facts, stage: (Facts) throws -> Void) rethrows {
        var dayPeople = Stamps(people: people)
        var segmentPeople = Stamps(people: people)
        var dayRaters = Stamps(people: people)
        var segmentRaters = Stamps(people: people)
        var keys = KeysOnDay(titles: layout.titleIDs.count)
        var active = [Bool](repeating: false, count: layout.titleIDs.count)
        var activeTitles: [Int32] = []
        // The day's rows, gathered once (rows of a day are scattered), and their order:
        // (title key, device, region) then (audience, index in dayRows), with signs flipped so
        // unsigned order is signed order.
        var dayRows: [Row] = []
        var order: [(a: UInt64, b: UInt64)] = []
        for d in scope.days {
            try Self.handOn(&facts, to: stage)
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
                order.append(
                    (
                        UInt64(UInt32(bitPattern: k) ^ 0x8000_0000) << 32 | UInt64(UInt16(bitPattern: r.device) ^ 0x8000) << 16
                            | UInt64(UInt16(bitPattern: r.region) ^ 0x8000),
                        UInt64(UInt16(bitPattern: r.audience) ^ 0x8000) << 32 | UInt64(dayRows.count)
                    ))
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

            var daily = FactMeasures()
            var segment = FactMeasures()
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
                if r.thumbsUp + r.thumbsDown > 0 {
                    if dayRaters.first(r.person) { daily.raters += 1 }
                    if segmentRaters.first(r.person) { segment.raters += 1 }
                }
                let next = n + 1 < order.count ? order[n + 1] : nil
                let key = Int32(bitPattern: UInt32(o.a >> 32) ^ 0x8000_0000)
                let keyEnds = next.map { $0.a >> 32 != o.a >> 32 } ?? true
                if keyEnds || next!.a != o.a || next!.b >> 32 != o.b >> 32 {
                    segment.skips = segmentSkips[DayKey(day: d, title: key, device: r.device, region: r.region, audience: r.audience)] ?? 0
                    facts.segments.append(
                        SegmentFact(
                            day: Day(daysSince1970: d), titleKey: key, device: r.device, region: r.region, audience: r.audience, measures: segment))
                    segment = FactMeasures()
                    segmentPeople.nextGroup()
                    segmentRaters.nextGroup()
                }
                if keyEnds {
                    daily.skips = daySkips[key] ?? 0
                    facts.daily.append(DailyFact(day: Day(daysSince1970: d), titleKey: key, measures: daily))
                    daily = FactMeasures()
                    dayPeople.nextGroup()
                    dayRaters.nextGroup()
                }
            }
        }
    }
}
