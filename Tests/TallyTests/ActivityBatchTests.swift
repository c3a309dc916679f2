import Testing

@testable import Tally

@Suite("Activity batch")
struct ActivityBatchTests {
    /// Plays up to a day long are plausible; the service started on day 100; days before 200 are beyond retention.
    static let rules = RejectRules(maxWatchSeconds: 86_400, serviceStartDay: 100, firstRetainedDay: 200)

    /// One row's facts, as the extract decodes them, and the reason it must be rejected (raw value) or nil.
    struct Case: CustomTestStringConvertible, Sendable {
        var isPlay: Bool
        var day: Int64
        var watched: Int64?
        var thumb: Int64?
        var isFuture = false
        var expected: String?
        var testDescription: String {
            "\(isPlay ? "play" : "rating") day \(day) watched \(watched.map(String.init) ?? "nil") thumb \(thumb.map(String.init) ?? "nil")\(isFuture ? " future" : "") -> \(expected ?? "valid")"
        }

        static func play(day: Int64 = 300, watched: Int64? = 60, future: Bool = false, _ expected: String?) -> Case {
            Case(isPlay: true, day: day, watched: watched, thumb: nil, isFuture: future, expected: expected)
        }

        static func rating(day: Int64 = 300, thumb: Int64? = 1, future: Bool = false, _ expected: String?) -> Case {
            Case(isPlay: false, day: day, watched: nil, thumb: thumb, isFuture: future, expected: expected)
        }
    }

    @Test(
        "valid rows have no reject reason",
        arguments: [
            Case.play(nil),
            .play(watched: 0, nil),
            .play(watched: 86_400, nil),  // exactly the maximum
            .play(day: 200, nil),  // the first retained day
            .rating(thumb: 1, nil),
            .rating(thumb: -1, nil),
            // Duration rules apply to plays only, thumb rules to ratings only.
            Case(isPlay: false, day: 300, watched: -5, thumb: 1, expected: nil),
            Case(isPlay: true, day: 300, watched: 60, thumb: 7, expected: nil),
        ])
    func validRows(row: Case) {
        #expect(Self.rules.reason(isPlay: row.isPlay, day: row.day, watched: row.watched, thumb: row.thumb, isFuture: row.isFuture)?.rawValue == nil)
    }

    @Test(
        "each fault alone gives its reason",
        arguments: [
            Case.play(watched: -1, "negative_duration"),
            .play(watched: 86_401, "absurd_duration"),
            .rating(thumb: 0, "invalid_thumb"),
            .rating(thumb: 2, "invalid_thumb"),
            .rating(thumb: -2, "invalid_thumb"),
            .play(future: true, "future_timestamp"),
            .rating(future: true, "future_timestamp"),
            .play(day: 99, "before_service_start"),
            .rating(day: 0, "before_service_start"),
            .play(day: 100, "beyond_retention"),  // the service's first day, but no longer retained
            .play(day: 199, "beyond_retention"),
        ])
    func singleFaults(row: Case) {
        #expect(Self.rules.reason(isPlay: row.isPlay, day: row.day, watched: row.watched, thumb: row.thumb, isFuture: row.isFuture)?.rawValue == row.expected)
    }

    @Test(
        "with several faults the first in precedence wins: negative > absurd > thumb > future > before start > beyond retention",
        arguments: [
            Case.play(day: 50, watched: -1, future: true, "negative_duration"),
            .play(day: 150, watched: -86_401, future: true, "negative_duration"),
            .play(day: 50, watched: 100_000, future: true, "absurd_duration"),
            .play(day: 150, watched: 100_000, "absurd_duration"),
            .rating(day: 50, thumb: 5, future: true, "invalid_thumb"),
            .rating(day: 150, thumb: 0, "invalid_thumb"),
            .play(day: 50, future: true, "future_timestamp"),
            .rating(day: 150, future: true, "future_timestamp"),
            .play(day: 50, "before_service_start"),
        ])
    func precedence(row: Case) {
        #expect(Self.rules.reason(isPlay: row.isPlay, day: row.day, watched: row.watched, thumb: row.thumb, isFuture: row.isFuture)?.rawValue == row.expected)
    }

    // MARK: - Rows through the batch

    static let alice = "00000000-0000-4000-8000-00000000000a"
    static let bob = "00000000-0000-4000-8000-00000000000b"
    static let erased = "00000000-0000-4000-8000-00000000000e"
    static let stranger = "00000000-0000-4000-8000-0000000000ff"

    static func uuid(_ text: String) -> UUIDKey {
        guard let uuid = UUIDKey(Array(text.utf8)) else { preconditionFailure("bad test UUID \(text)") }
        return uuid
    }

    static func uuidBytes(_ text: String) -> [UInt8] {
        let u = uuid(text)
        var out: [UInt8] = []
        CopyBinary.appendBigEndian(u.high, to: &out)
        CopyBinary.appendBigEndian(u.low, to: &out)
        return out
    }

    /// A row of the extract's `plays` statement.
    static func play(
        id: Int64, profile: String, title: Int32, day: Int32, device: String = "tv", country: String? = "SE",
        watched: Int64, completed: Bool = false, future: Bool = false, ingested: Int64 = 0
    ) -> [UInt8] {
        var out: [UInt8] = []
        CopyBinary.appendRowStart(fields: 7, to: &out)
        CopyBinary.appendInt64(id, to: &out)
        CopyBinary.appendBytes(uuidBytes(profile), to: &out)
        CopyBinary.appendInt64(Int64(title) << 32 | Int64(UInt32(bitPattern: day)), to: &out)
        CopyBinary.appendText(Array(device.utf8), to: &out)
        if let country { CopyBinary.appendText(Array(country.utf8), to: &out) } else { CopyBinary.appendNull(to: &out) }
        CopyBinary.appendInt64(watched * 4 + (completed ? 2 : 0) + (future ? 1 : 0), to: &out)
        CopyBinary.appendInt64(ingested, to: &out)
        return out
    }

    /// A row of the extract's `ratings` statement.
    static func rating(id: Int64, profile: String, title: Int32, day: Int32, thumb: Int64, ingested: Int64 = 0) -> [UInt8] {
        var out: [UInt8] = []
        CopyBinary.appendRowStart(fields: 5, to: &out)
        CopyBinary.appendInt64(id, to: &out)
        CopyBinary.appendBytes(uuidBytes(profile), to: &out)
        CopyBinary.appendInt64(Int64(title) << 32 | Int64(UInt32(bitPattern: day)), to: &out)
        CopyBinary.appendInt64(thumb * 2, to: &out)
        CopyBinary.appendInt64(ingested, to: &out)
        return out
    }

    static func batch() -> ActivityBatch {
        var batch = ActivityBatch(rules: rules, pseudonymiser: Pseudonymiser(key: Array(repeating: 7, count: 32)))
        // Rows of the extract's `profiles` statement, in COPY text.
        for row in [
            "\(alice)\tf\tstandard\tSE\t25-34\tf\n", "\(bob)\tt\tbasic\tNO\t0-12\tf\n", "\(erased)\tf\tbasic\tDK\t35-44\tt\n",
        ] {
            let added = Array(row.utf8).withUnsafeBytes { batch.addProfile($0) }
            precondition(added, "bad test profile row")
        }
        return batch
    }

    @Test("rows of unknown or erased profiles and invalid rows become rejects with their source, id and reason")
    func rejects() throws {
        var batch = Self.batch()
        let rows: [([UInt8], Bool)] = [
            (Self.play(id: 1, profile: Self.alice, title: 10, day: 300, watched: 60), true),
            (Self.play(id: 2, profile: Self.stranger, title: 10, day: 300, watched: 60), true),
            (Self.play(id: 3, profile: Self.erased, title: 10, day: 300, watched: -1), true),
            (Self.play(id: 4, profile: Self.alice, title: 10, day: 300, watched: -1), true),
            (Self.rating(id: 5, profile: Self.bob, title: 10, day: 300, thumb: 0), false),
            (Self.rating(id: 6, profile: Self.bob, title: 10, day: 150, thumb: 1), false),
            (Self.play(id: 7, profile: Self.bob, title: 10, day: 300, watched: 60, future: true), true),
        ]
        for (row, isPlay) in rows {
            #expect(row.withUnsafeBytes { batch.add($0, isPlay: isPlay) })
        }
        try batch.finish()
        #expect(batch.rowsRead == 7)
        #expect(batch.rowsAggregated == 1)
        let rejects = Dictionary(uniqueKeysWithValues: batch.rejects.map { ($0.id, "\($0.source.rawValue) \($0.reason.rawValue)") })
        #expect(
            rejects == [
                2: "playback unknown_profile",
                3: "playback erased_profile",
                4: "playback negative_duration",
                5: "rating invalid_thumb",
                6: "rating beyond_retention",
                7: "playback future_timestamp",
            ])
    }

    @Test("profiles numbered by partition keep their own rows, last day, attributes and pseudonym, a profile sent twice included")
    func profilesByPartition() throws {
        let pseudonymiser = Pseudonymiser(key: Array(repeating: 7, count: 32))
        var batch = ActivityBatch(rules: Self.rules, pseudonymiser: pseudonymiser)
        let ids = (0..<2_000).map { String(format: "00000000-0000-4000-8000-%012x", $0 * 7_919 + 1) }
        // Each profile's plan and country say which it is; every tenth is erased; one is sent twice.
        for (i, id) in ids.enumerated().map({ ($0.offset, $0.element) }) + [(5, ids[5])] {
            let row = "\(id)\tf\tplan\(i)\tC\(i % 50)\t25-34\t\(i % 10 == 9 ? "t" : "f")\n"
            #expect(Array(row.utf8).withUnsafeBytes { batch.addProfile($0) })
        }
        var rowID: Int64 = 0
        for (i, id) in ids.enumerated() {
            for day in [300, 300 + Int32(i % 5)] {
                rowID += 1
                let row = Self.play(id: rowID, profile: id, title: Int32(i), day: day, country: nil, watched: 60)
                #expect(row.withUnsafeBytes { batch.add($0, isPlay: true) })
            }
        }
        try batch.finish()
        #expect(batch.rejects.count == 400, "the erased profiles' rows")
        batch.normalise(deviceTypes: batch.rawDeviceTypes, countries: batch.rawCountries)
        let segments = batch.segments
        let byPseudonym = Dictionary(uniqueKeysWithValues: ids.enumerated().map { (pseudonymiser.pseudonym(of: Array($0.element.utf8)), $0.offset) })
        var seen = Set<Int>()
        try batch.forEachActivity { key, _ in
            guard let i = byPseudonym[Array(batch.pseudonym(of: Int(key.profile)))] else {
                Issue.record("a row under a profile with no pseudonym of ours")
                return
            }
            seen.insert(i)
            #expect(key.title == Int32(i), "the row of profile \(i) under another profile")
            #expect(segments[Int(key.segment)].plan == "plan\(i)" && segments[Int(key.segment)].country == "C\(i % 50)")
            #expect(batch.lastDays[Int(key.profile)] == 300 + Int32(i % 5))
            #expect(i % 10 != 9, "a row of an erased profile")
        }
        #expect(seen.count == 1_800)
    }

    @Test("valid rows add up per profile, day, title and segment; a row without a country takes its profile's")
    func aggregates() throws {
        var batch = Self.batch()
        let rows: [([UInt8], Bool)] = [
            (Self.play(id: 1, profile: Self.alice, title: 10, day: 300, watched: 60, completed: true, ingested: 500), true),
            (Self.play(id: 2, profile: Self.alice, title: 10, day: 300, country: nil, watched: 40, ingested: 400), true),
            (Self.rating(id: 3, profile: Self.alice, title: 10, day: 300, thumb: 1, ingested: Int64.min), false),
            (Self.rating(id: 4, profile: Self.bob, title: 10, day: 301, thumb: -1, ingested: 900), false),
        ]
        for (row, isPlay) in rows {
            #expect(row.withUnsafeBytes { batch.add($0, isPlay: isPlay) })
        }
        // The header before the first row and the trailer after the last are not rows.
        #expect((CopyBinary.header + CopyBinary.trailer).withUnsafeBytes { batch.add($0, isPlay: true) })
        try batch.finish()
        #expect(batch.rejects.isEmpty)
        #expect(batch.rowsRead == 4)
        #expect(batch.rowsAggregated == 4)
        // The oldest finite ingestion time: -infinity is not a time.
        #expect(batch.oldestIngested == 400)

        batch.normalise(deviceTypes: batch.rawDeviceTypes, countries: batch.rawCountries)
        let segments = batch.segments
        // Profiles are numbered by the batch; their pseudonyms say who they are.
        let pseudonymiser = Pseudonymiser(key: Array(repeating: 7, count: 32))
        let names = [Self.alice: "alice", Self.bob: "bob"]
        func name(_ profile: Int32) -> String {
            names.first { pseudonymiser.pseudonym(of: Array($0.key.utf8)) == Array(batch.pseudonym(of: Int(profile))) }?.value ?? "profile \(profile)"
        }
        var found: [String: ActivityBatch.Measures] = [:]
        try batch.forEachActivity { key, measures in
            let s = segments[Int(key.segment)]
            found["\(name(key.profile)) day \(key.day) title \(key.title) \(s.deviceType) \(s.country) \(s.ageBand)"] = measures
        }
        #expect(found.count == 3)
        // Alice's two plays share a segment (her own country is SE); her rating has no device.
        let plays = found["alice day 300 title 10 tv SE 25-34"]
        #expect(plays?.plays == 2)
        #expect(plays?.completedPlays == 1)
        #expect(plays?.watchSeconds == 100)
        #expect(found["alice day 300 title 10 unknown SE 25-34"]?.thumbsUp == 1)
        #expect(found["bob day 301 title 10 unknown NO 0-12"]?.thumbsDown == 1)
        #expect(batch.activityCount == 3)
    }

    @Test("a batch that spills gives back, a group of people at a time, the activity and play lengths it would have held")
    func spills() throws {
        func fill(_ batch: inout ActivityBatch) throws {
            // 600 rows over the three profiles' partitions, so that most are read after the spill.
            for i in 0..<600 {
                let profile = [Self.alice, Self.bob, Self.alice][i % 3]
                let row = Self.play(id: Int64(i), profile: profile, title: Int32(10 + i % 7), day: Int32(300 + i % 5), watched: Int64(30 + i % 4 * 200))
                #expect(row.withUnsafeBytes { batch.add($0, isPlay: true) })
            }
            try batch.finish()
        }
        func contents(_ batch: ActivityBatch) throws -> (activity: [String: Int64], durations: [String: Int32]) {
            var activity: [String: Int64] = [:]
            try batch.forEachActivity { k, m in
                activity["\(k.profile) \(k.day) \(k.title) \(k.segment)", default: 0] += Int64(m.plays) << 32 + m.watchSeconds
            }
            var durations: [String: Int32] = [:]
            for (k, plays) in zip(batch.durations.keys, batch.durations.values) {
                durations["\(k.day) \(k.title) \(k.segment) \(k.watchedSeconds)", default: 0] += plays
            }
            return (activity, durations)
        }
        var whole = Self.batch()
        try fill(&whole)
        #expect(!whole.isSpilled)
        let expected = try contents(whole)

        var spilled = Self.batch()
        spilled.spillAbove = 2
        try fill(&spilled)
        #expect(spilled.isSpilled)
        // Compacted: one record per (profile, day, title, segment), as the batch that held them all.
        #expect(spilled.spilledPerBucket?.reduce(0, +) == whole.activityCount)
        // Play lengths are compacted per bucket: a key may be in several buckets, none is lost.
        #expect((spilled.spilledDurations ?? 0) >= whole.durations.count)
        #expect(whole.spilledDurations == nil)
        var activity: [String: Int64] = [:]
        var durations: [String: Int32] = [:]
        for (i, buckets) in [0..<100, 100..<200, 200..<256].enumerated() {
            try spilled.load(buckets: buckets, withLoose: i == 0)
            let group = try contents(spilled)
            #expect(spilled.activityCount == group.activity.count)
            activity.merge(group.activity) { $0 + $1 }
            durations.merge(group.durations) { $0 + $1 }
        }
        #expect(activity == expected.activity)
        #expect(durations == expected.durations)
        #expect(spilled.days == [300, 301, 302, 303, 304])
        #expect(spilled.activePeople().profiles == whole.activePeople().profiles)
    }

    @Test("a row of the wrong shape is refused rather than misread")
    func malformedRow() {
        var batch = Self.batch()
        var row: [UInt8] = []
        CopyBinary.appendRowStart(fields: 2, to: &row)
        CopyBinary.appendInt64(1, to: &row)
        CopyBinary.appendBytes([1, 2, 3], to: &row)  // not a 16-byte uuid
        #expect(row.withUnsafeBytes { batch.add($0, isPlay: true) } == false)
        let truncated = Array(Self.play(id: 1, profile: Self.alice, title: 10, day: 300, watched: 60).dropLast(3))
        #expect(truncated.withUnsafeBytes { batch.add($0, isPlay: true) } == false)
    }
}
