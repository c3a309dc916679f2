/// A segment's dimension keys, as `private.activity` and the segment facts hold them.
struct SegmentKeys {
    var device: Int16
    var region: Int16
    var audience: Int16
}

extension ActivityBatch {
    /// Each profile with activity in the batch, by index into `profiles`, with its pseudonym and
    /// the last day of its activity; after `finish()`.
    func activePeople() -> (profiles: [Int], people: [(pseudonym: ArraySlice<UInt8>, lastDay: Int32)]) {
        var indexes: [Int] = []
        var people: [(pseudonym: ArraySlice<UInt8>, lastDay: Int32)] = []
        for (i, day) in lastDays.enumerated() where day != .min {
            indexes.append(i)
            people.append((pseudonym(of: i), day))
        }
        return (indexes, people)
    }

    /// Moves the batch's activity and play lengths into the engine's rows, with each segment's
    /// dimension keys and each profile's person slot (`slots`, by profile index). The batch holds
    /// no activity afterwards.
    mutating func drain(
        into rows: inout [FactEngine.Row], durations: inout [FactEngine.Duration], segments: [SegmentKeys], slots: [Int32]
    ) throws {
        rows.reserveCapacity(rows.count + activityCount)
        try drainActivity { key, m in
            let s = segments[Int(key.segment)]
            rows.append(
                FactEngine.Row(
                    person: slots[Int(key.profile)], day: key.day, titleID: key.title, device: s.device, region: s.region,
                    audience: s.audience, plays: m.plays, completedPlays: m.completedPlays, watchSeconds: m.watchSeconds,
                    thumbsUp: m.thumbsUp, thumbsDown: m.thumbsDown))
        }
        for (key, plays) in zip(self.durations.keys, self.durations.values) { durations.append(Self.duration(key, plays: plays, segments: segments)) }
    }

    /// A play length in the engine's form.
    static func duration(_ key: DurationKey, plays: Int32, segments: [SegmentKeys]) -> FactEngine.Duration {
        let s = segments[Int(key.segment)]
        return FactEngine.Duration(
            day: key.day, titleID: key.title, device: s.device, region: s.region, audience: s.audience, watched: key.watchedSeconds, plays: plays)
    }
}
