extension FactEngine {
    struct StreakCount: Hashable {
        var day: Int32
        var title: Int32
        var streakDays: Int32
    }

    /// Streak facts: for each as-of day and title, how many people watched it on each of the last
    /// `streak_days` days, for 2 up to `streakMax`.
    func computeStreaks(_ scope: Scope, key: (Int32, Int32) -> Int32, into facts: inout Facts) {
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
            facts.streaks.append(StreakFact(asOf: Day(daysSince1970: k.day), titleKey: k.title, streakDays: k.streakDays, viewers: viewers))
        }
    }
}
