import Foundation

/// One run's new source rows, aggregated in memory as they stream in: activity per pseudonymous
/// profile, day, title and segment; play counts per day, title, segment and watched second (for
/// skips); and rejects. Memory grows with the batch's distinct (profile, day, title, segment) keys,
/// never with the rows or with history, up to `spillAbove` keys: then the batch spills what it
/// holds, and each row after it, to temporary files, one per person bucket (the first byte of
/// the pseudonym), and `load(buckets:)` brings back one group of people at a time. Profile ids live
/// here only as keys; what leaves is the pseudonym.
struct ActivityBatch {
    /// An empty batch that rejects rows by `rules` and pseudonymises profile ids with `pseudonymiser`.
    init(rules: RejectRules, pseudonymiser: Pseudonymiser) {
        self.rules = rules
        self.pseudonymiser = pseudonymiser
    }

    /// A profile as the batch needs it: the code of its (age band, plan, kids) attributes, its
    /// account's country (the default for rows without one), and whether it was erased. Its
    /// pseudonym is in `pseudonyms`.
    struct Profile {
        /// The person bucket: the pseudonym's first byte.
        var bucket: UInt8
        var attributes: Int32
        var country: Int32
        var isErased: Bool
    }

    /// A segment as the dimensions hold it: device type and country normalised by the source
    /// (`normalise`), age band, plan and kids flag.
    struct Segment {
        var deviceType: String
        var country: String
        var ageBand: String
        var plan: String
        var isKids: Bool
    }

    /// A segment as small codes, for cheap hashing per row.
    struct SegmentCode: FlatMapKey {
        var device: Int32
        var country: Int32
        var attributes: Int32

        var hashBits: UInt64 { Self.mix(device, country, attributes, 0) }
    }

    struct ActivityKey: FlatMapKey {
        var profile: Int32
        var day: Int32
        var title: Int32
        var segment: Int32

        var hashBits: UInt64 { Self.mix(profile, day, title, segment) }
    }

    struct Measures {
        var plays: Int32 = 0
        var completedPlays: Int32 = 0
        var watchSeconds: Int64 = 0
        var thumbsUp: Int32 = 0
        var thumbsDown: Int32 = 0
    }

    struct DurationKey: FlatMapKey {
        var day: Int32
        var title: Int32
        var segment: Int32
        var watchedSeconds: Int32

        var hashBits: UInt64 { Self.mix(day, title, segment, watchedSeconds) }
    }

    /// Play lengths are kept below this many seconds; longer plays are never skips (skip_seconds is
    /// at most 600), so they need no row.
    static let durationCap: Int32 = 600

    /// Rows are aggregated in partitions by profile: a row waits in its partition's buffer, and a
    /// full buffer is aggregated at once against the partition's profiles and activity, which are
    /// small enough to stay in cache. One map of two million keys missed the cache twice a row.
    static let partitions = 256
    static let bufferedRows = 256

    /// Person buckets: groups of people are ranges of them.
    static let buckets = 256

    /// A spilled (profile, day, title, segment) with its measures: a row, or what the batch had
    /// aggregated when it began to spill.
    struct SpilledActivity {
        var key: ActivityKey
        var measures: Measures
    }

    /// A spilled play length.
    struct SpilledDuration {
        var key: DurationKey
        var plays: Int32
    }

    /// Where a spilling batch's rows go: activity and play lengths by person bucket, and, in one
    /// file, the play lengths aggregated before the spill, which belong to no bucket. Once every
    /// row is in, `finish()` compacts each bucket's file to one record per key.
    private struct Spill {
        var activity: SpillFiles<SpilledActivity>
        var durations: SpillFiles<SpilledDuration>
        var loose: SpillFiles<SpilledDuration>
        var isCompact = false

        /// Appends a row's activity, and its play length if it has one, to its bucket's files.
        mutating func append(_ activity: SpilledActivity, _ duration: SpilledDuration?, to bucket: Int) {
            self.activity.append(activity, to: bucket)
            if let duration { durations.append(duration, to: bucket) }
        }
    }

    /// A row read but not yet aggregated.
    private struct Pending {
        var id: Int64
        var profile: UUIDKey
        /// title << 32 | day, as the extract sends it.
        var titleDay: Int64
        var device: Int32
        /// -1: the profile's country.
        var country: Int32
        /// watched * 4 + completed * 2 + future for a play, thumb * 2 + future for a rating.
        var packed: Int64
        var isPlay: Bool
    }

    let rules: RejectRules
    private let pseudonymiser: Pseudonymiser
    var profiles: [Profile] = []
    /// The profiles' pseudonyms end to end, `Pseudonymiser.length` bytes each, in profile order: one
    /// array of them took a tenth of a 50M-event run's memory (bench/RESULTS.md).
    private var pseudonyms: [UInt8] = []
    private var profileSlots = [FlatMap<UUIDKey, Int32>](repeating: FlatMap(), count: partitions)
    /// Whether `numberProfilesByPartition` has run.
    private var profilesByPartition = false
    private var pending = [[Pending]](repeating: [], count: partitions)
    private var activity = [FlatMap<ActivityKey, Measures>](repeating: FlatMap(), count: partitions)
    /// The segments' codes; a segment's number is its entry.
    private var segmentCodes = FlatMap<SegmentCode, Void>()
    /// Each device and country code's normalised text, once `normalise` has run.
    private var normalisedDevices: [String]?
    private var normalisedCountries: [String]?
    private var devices = ByteInterner()
    private var countries = ByteInterner()
    private var attributes: [(ageBand: String, plan: String, isKids: Bool)] = []
    var durations = FlatMap<DurationKey, Int32>()
    var rejects: [Reject] = []
    /// The batch spills once it holds more keys than this, of activity and of play lengths; nil: never.
    var spillAbove: Int?
    private var spill: Spill?
    private var spillFailure: Error?
    /// The person buckets whose spilled activity `load` brought back; `drain` reads it from the files.
    private var loadedBuckets = 0..<0
    /// Keys held in memory: (profile, day, title, segment) and play lengths (none once spilled).
    private(set) var keysInMemory = 0
    /// The last day of each profile's valid rows, by profile index; .min: none.
    private(set) var lastDays: [Int32] = []
    private var daysSeen = FlatMap<Int32, Void>()
    /// Source rows read, valid or not.
    var rowsRead = 0
    /// Valid source rows (plays and ratings) in the aggregates.
    var rowsAggregated = 0
    /// The earliest day of a valid row, days since 1970.
    private var earliestDay: Int32?
    /// The earliest day of a valid row.
    var firstDay: Day? { earliestDay.map { Day(daysSince1970: $0) } }
    /// The oldest ingestion time among the rows read, in microseconds since 1970.
    /// The oldest (finite) ingestion time among the rows read, in microseconds since 2000-01-01, as
    /// PostgreSQL counts.
    var oldestIngested: Int64?

    var oldestIngestedAt: Date? { oldestIngested.map { Date(timeIntervalSince1970: Double($0) / 1_000_000 + 946_684_800) } }

    /// Device types and countries as the rows carried them, by code, for `normalise`.
    var rawDeviceTypes: [String] { devices.texts }
    var rawCountries: [String] { countries.texts }

    /// Sets the normalised text of every device type and country code: the source lower-cases
    /// device types and upper-cases countries under its own locale, once per distinct value.
    mutating func normalise(deviceTypes: [String], countries: [String]) {
        precondition(deviceTypes.count == devices.texts.count && countries.count == self.countries.texts.count)
        normalisedDevices = deviceTypes
        normalisedCountries = countries
    }

    /// The batch's segments, in segment order (the order of `ActivityKey.segment`); after `normalise`.
    var segments: [Segment] {
        guard let normalisedDevices, let normalisedCountries else { preconditionFailure("normalise() first") }
        return segmentCodes.keys.map { code in
            let a = attributes[Int(code.attributes)]
            return Segment(
                deviceType: normalisedDevices[Int(code.device)], country: normalisedCountries[Int(code.country)],
                ageBand: a.ageBand, plan: a.plan, isKids: a.isKids)
        }
    }

    /// Reads one row of the extract's `profiles` statement (COPY text: id, is_kids, plan,
    /// country, age band, erased) and keeps the profile under its pseudonym. Returns false for a
    /// row that does not have the expected shape.
    mutating func addProfile(_ row: UnsafeRawBufferPointer) -> Bool {
        let fields = CopyText.parseRow(row)
        guard fields.count == 6, let idText = fields[0], let id = UUIDKey(idText) else { return false }
        func text(_ i: Int) -> String? { fields[i].map { String(decoding: $0, as: UTF8.self) } }
        addProfile(
            id: id, pseudonym: pseudonymiser.pseudonym(of: idText), isKids: text(1) == "t", plan: text(2) ?? "unknown",
            country: fields[3] ?? [], ageBand: text(4) ?? "unknown", isErased: text(5) == "t")
        return true
    }

    private mutating func addProfile(id: UUIDKey, pseudonym: [UInt8], isKids: Bool, plan: String, country: [UInt8], ageBand: String, isErased: Bool) {
        precondition(!profilesByPartition, "profiles added after rows")
        let code: Int32
        if let known = attributes.firstIndex(where: { $0 == (ageBand, plan, isKids) }) {
            code = Int32(known)
        } else {
            code = Int32(attributes.count)
            attributes.append((ageBand, plan, isKids))
        }
        _ = profileSlots[Self.partition(id)].index(of: id, inserting: Int32(profiles.count))
        precondition(pseudonym.count == Pseudonymiser.length)
        pseudonyms += pseudonym
        profiles.append(
            Profile(bucket: pseudonym[0], attributes: code, country: country.withUnsafeBytes { countries.code($0) }, isErased: isErased))
        lastDays.append(.min)
    }

    /// Renumbers the profiles so that each partition's lie together, in `profiles` and `pseudonyms`
    /// (and in `lastDays`, which rows fill): a buffer of one partition's rows then reads a small
    /// range of them. Numbered
    /// as they arrived, one partition's profiles were spread over all of them, and at 200,000
    /// profiles the two reads per row missed the cache (bench/RESULTS.md). Runs before the first
    /// row is aggregated; no profile is added after it.
    private mutating func numberProfilesByPartition() {
        var order: [Int] = []  // old index by new index
        order.reserveCapacity(profiles.count)
        for p in profileSlots.indices {
            for i in profileSlots[p].values.indices {
                order.append(Int(profileSlots[p].values[i]))
                profileSlots[p].values[i] = Int32(order.count - 1)
            }
        }
        // A profile id sent twice kept its first index; its second is never looked up.
        var placed = [Bool](repeating: false, count: profiles.count)
        for old in order { placed[old] = true }
        order += placed.indices.filter { !placed[$0] }
        // Moved in place, a cycle of the permutation at a time: copies of the two arrays (24 MB at
        // 500,000 profiles, beside the old ones) left the process holding more when the groups
        // were planned. lastDays holds no day yet: rows come after.
        let length = Pseudonymiser.length
        var moved = [Bool](repeating: false, count: order.count)
        var saved = [UInt8](repeating: 0, count: length)
        pseudonyms.withUnsafeMutableBufferPointer { bytes in
            for start in order.indices where !moved[start] {
                let first = profiles[start]
                for b in 0..<length { saved[b] = bytes[start * length + b] }
                var at = start
                while true {
                    moved[at] = true
                    let from = order[at]
                    if from == start { break }
                    profiles[at] = profiles[from]
                    for b in 0..<length { bytes[at * length + b] = bytes[from * length + b] }
                    at = from
                }
                profiles[at] = first
                for b in 0..<length { bytes[at * length + b] = saved[b] }
            }
        }
        profilesByPartition = true
    }

    /// The pseudonym of the profile at `index` in `profiles`.
    func pseudonym(of index: Int) -> ArraySlice<UInt8> {
        pseudonyms[(index * Pseudonymiser.length)..<((index + 1) * Pseudonymiser.length)]
    }

    /// The device type of every rating, which has none.
    static let ratingDevice = Array("unknown".utf8)

    /// The partition of a profile: the low bits of its hash (a FlatMap places keys by the high ones).
    private static func partition(_ profile: UUIDKey) -> Int {
        Int(truncatingIfNeeded: profile.hashBits & UInt64(partitions - 1))
    }

    /// Reads one row of the extract's `plays` or `ratings` statement; it is aggregated (or kept as
    /// a reject) with its partition's next rows, at the latest by `finish()`. Returns false for a
    /// row that does not have the expected shape.
    mutating func add(_ row: UnsafeRawBufferPointer, isPlay: Bool) -> Bool {
        guard var fields = BinaryRowCursor(row) else { return true }  // the trailer
        rowsRead += 1
        guard let id = fields.nextInteger(), let profileID = fields.next(), let titleDay = fields.nextInteger(),
            let profile = UUIDKey(bytes: profileID)
        else { return false }
        var device: Int32 = -1
        var country: Int32 = -1
        if isPlay {
            guard let d = fields.next() else { return false }
            device = devices.code(d)
            if let c = fields.next() { country = countries.code(c) }
        } else {
            device = Self.ratingDevice.withUnsafeBytes { devices.code($0) }
        }
        // NULL (never sent) reads as watched 0, or as thumb 0: an invalid thumb.
        let packed = fields.nextInteger() ?? 0
        if let ingested = fields.nextTimestamp(), ingested < oldestIngested ?? .max { oldestIngested = ingested }
        guard fields.isValid else { return false }
        let p = Self.partition(profile)
        pending[p].append(Pending(id: id, profile: profile, titleDay: titleDay, device: device, country: country, packed: packed, isPlay: isPlay))
        if pending[p].count == Self.bufferedRows { aggregate(p) }
        return true
    }

    /// Aggregates the rows still buffered. Call it once the extract has read every row: the batch
    /// takes no rows after it, and frees its map of profile ids (about 20 MiB of the 113 MiB that a
    /// run of 500,000 profiles held besides its rows). Throws when the batch could not spill.
    mutating func finish() throws {
        for p in 0..<Self.partitions where !pending[p].isEmpty { aggregate(p) }
        profileSlots = []
        if let spillFailure { throw spillFailure }
        try spill?.activity.flush()
        try spill?.durations.flush()
        try spill?.loose.flush()
        if spill?.isCompact == false { try compactSpill() }
    }

    /// Aggregates each bucket's spilled records to one per key, in place: the groups of people are
    /// then sized by keys, not by source rows (a 50M-event night spilled 48 million rows for 11
    /// million keys), and `drain` copies a group's activity straight from the files.
    private mutating func compactSpill() throws {
        guard let spill else { return }
        for b in 0..<Self.buckets {
            var activity = FlatMap<ActivityKey, Measures>()
            try spill.activity.read(b) { records in
                for r in records { Self.add(r.measures, to: &activity.values[activity.index(of: r.key, inserting: Measures())]) }
            }
            try spill.activity.rewrite(b, with: zip(activity.keys, activity.values).lazy.map { SpilledActivity(key: $0, measures: $1) })
            var durations = FlatMap<DurationKey, Int32>()
            try spill.durations.read(b) { Self.add($0, to: &durations) }
            try spill.durations.rewrite(b, with: zip(durations.keys, durations.values).lazy.map { SpilledDuration(key: $0, plays: $1) })
        }
        self.spill?.isCompact = true
    }

    /// Whether the batch spilled: its rows are then in memory only a group at a time (`load`).
    var isSpilled: Bool { spill != nil }

    /// The days of the batch's valid rows, in order.
    var days: [Int32] { daysSeen.keys.sorted() }

    /// The (profile, day, title, segment) keys spilled per person bucket, after `finish()`; nil
    /// when the batch did not spill.
    var spilledPerBucket: [Int]? { spill?.activity.counts }

    /// The play-length keys spilled, per bucket and from before the spill, after `finish()`; nil
    /// when the batch did not spill.
    var spilledDurations: Int? { spill.map { $0.durations.counts.reduce(0, +) + $0.loose.counts.reduce(0, +) } }

    /// Spills what the batch holds, if it has not (after `finish()`): for a run whose private state
    /// with the batch does not fit the memory budget.
    mutating func spillAll() throws {
        if spill == nil { startSpilling() }
        try finish()
    }

    private mutating func startSpilling() {
        do {
            let spill = Spill(
                activity: try SpillFiles(files: Self.buckets), durations: try SpillFiles(files: Self.buckets), loose: try SpillFiles(files: 1))
            for p in activity.indices {
                let part = activity[p]
                activity[p] = FlatMap()
                for (key, measures) in zip(part.keys, part.values) {
                    spill.activity.append(SpilledActivity(key: key, measures: measures), to: Int(profiles[Int(key.profile)].bucket))
                }
            }
            for (key, plays) in zip(durations.keys, durations.values) { spill.loose.append(SpilledDuration(key: key, plays: plays), to: 0) }
            durations = FlatMap()
            keysInMemory = 0
            self.spill = spill
        } catch {
            spillFailure = error
        }
    }

    /// Brings back the spilled rows of the people in `buckets` in place of what the batch held:
    /// `forEachActivity`, `drain` and `durations` then see that group alone, and with `withLoose`
    /// the play lengths aggregated before the spill too. Play lengths are aggregated here, over the
    /// group; activity stays in the files until `drain` or `forEachActivity` reads it, so it is
    /// never held twice. Does nothing if the batch did not spill.
    mutating func load(buckets: Range<Int>, withLoose: Bool) throws {
        guard let spill else { return }
        precondition(spill.isCompact, "finish() first")
        activity = Array(repeating: FlatMap(), count: Self.partitions)
        durations = FlatMap()
        loadedBuckets = buckets
        for b in buckets { try spill.durations.read(b) { Self.add($0, to: &durations) } }
        if withLoose { try spill.loose.read(0) { Self.add($0, to: &durations) } }
    }

    /// Adds spilled play lengths to `durations`.
    private static func add(_ records: UnsafeBufferPointer<SpilledDuration>, to durations: inout FlatMap<DurationKey, Int32>) {
        for r in records { durations.values[durations.index(of: r.key, inserting: 0)] += r.plays }
    }

    /// The play lengths aggregated before the batch spilled, which belong to no group of people.
    func forEachLooseDuration(_ body: (DurationKey, Int32) throws -> Void) throws {
        try spill?.loose.read(0) { records in for r in records { try body(r.key, r.plays) } }
    }

    /// Every aggregated (profile, day, title, segment) with its measures: those held, and those of
    /// the buckets `load` brought back; after `finish()`.
    func forEachActivity(_ body: (ActivityKey, Measures) throws -> Void) throws {
        assert(pending.allSatisfy(\.isEmpty), "finish() first")
        for part in activity {
            for (key, measures) in zip(part.keys, part.values) { try body(key, measures) }
        }
        try forEachLoaded(body)
    }

    /// The activity of the buckets `load` brought back, read from the spill files.
    private func forEachLoaded(_ body: (ActivityKey, Measures) throws -> Void) throws {
        for b in loadedBuckets {
            try spill?.activity.read(b) { records in for r in records { try body(r.key, r.measures) } }
        }
    }

    /// `forEachActivity` that frees each partition once visited, so the batch's memory goes as
    /// its rows are copied elsewhere; the batch holds no activity afterwards.
    mutating func drainActivity(_ body: (ActivityKey, Measures) throws -> Void) throws {
        assert(pending.allSatisfy(\.isEmpty), "finish() first")
        for p in activity.indices {
            let part = activity[p]
            activity[p] = FlatMap()
            for (key, measures) in zip(part.keys, part.values) { try body(key, measures) }
        }
        try forEachLoaded(body)
        loadedBuckets = 0..<0
    }

    /// The number of (profile, day, title, segment) keys held, or brought back by `load`.
    var activityCount: Int {
        activity.reduce(0) { $0 + $1.count } + (spill?.activity.counts[loadedBuckets].reduce(0, +) ?? 0)
    }

    private mutating func aggregate(_ p: Int) {
        precondition(!profileSlots.isEmpty, "rows added after finish()")
        if !profilesByPartition { numberProfilesByPartition() }
        let keysBefore = activity[p].count + durations.count
        for row in pending[p] {
            let title = Int32(truncatingIfNeeded: row.titleDay >> 32)
            let day = Int64(Int32(truncatingIfNeeded: row.titleDay))
            let watched: Int64? = row.isPlay ? row.packed >> 2 : nil
            let thumb: Int64? = row.isPlay ? nil : row.packed >> 1
            let reason: RejectReason?
            let slot = profileSlots[p][row.profile]
            if let slot {
                reason =
                    profiles[Int(slot)].isErased
                    ? .erasedProfile : rules.reason(isPlay: row.isPlay, day: day, watched: watched, thumb: thumb, isFuture: row.packed & 1 != 0)
            } else {
                reason = .unknownProfile
            }
            if let reason {
                rejects.append(Reject(source: row.isPlay ? .playback : .rating, id: row.id, reason: reason))
                continue
            }
            let profile = profiles[Int(slot!)]
            let code = SegmentCode(device: row.device, country: row.country >= 0 ? row.country : profile.country, attributes: profile.attributes)
            let segment = Int32(segmentCodes.index(of: code, inserting: ()))
            let key = ActivityKey(profile: slot!, day: Int32(day), title: title, segment: segment)
            rowsAggregated += 1
            earliestDay = min(earliestDay ?? key.day, key.day)
            lastDays[Int(slot!)] = max(lastDays[Int(slot!)], key.day)
            _ = daysSeen.index(of: key.day, inserting: ())
            if spill != nil {
                var m = Measures()
                var duration: SpilledDuration?
                if let watched {
                    let seconds = Int32(clamping: watched)
                    Self.addPlay(&m, seconds: seconds, completed: row.packed & 2 != 0)
                    if seconds < Self.durationCap {
                        duration = SpilledDuration(
                            key: DurationKey(day: key.day, title: key.title, segment: segment, watchedSeconds: seconds), plays: 1)
                    }
                } else {
                    Self.addThumb(&m, up: thumb == 1)
                }
                // In place: binding `spill` here retained and released its three files for each row.
                spill!.append(SpilledActivity(key: key, measures: m), duration, to: Int(profile.bucket))
            } else if let watched {
                let seconds = Int32(clamping: watched)
                Self.addPlay(&activity[p].values[activity[p].index(of: key, inserting: Measures())], seconds: seconds, completed: row.packed & 2 != 0)
                if seconds < Self.durationCap {
                    durations.values[
                        durations.index(of: DurationKey(day: key.day, title: key.title, segment: segment, watchedSeconds: seconds), inserting: 0)] += 1
                }
            } else {
                Self.addThumb(&activity[p].values[activity[p].index(of: key, inserting: Measures())], up: thumb == 1)
            }
        }
        pending[p].removeAll(keepingCapacity: true)
        guard spill == nil else { return }
        keysInMemory += activity[p].count + durations.count - keysBefore
        if let spillAbove, keysInMemory > spillAbove { startSpilling() }
    }

    private static func add(_ m: Measures, to total: inout Measures) {
        total.plays += m.plays
        total.completedPlays += m.completedPlays
        total.watchSeconds += m.watchSeconds
        total.thumbsUp += m.thumbsUp
        total.thumbsDown += m.thumbsDown
    }

    private static func addPlay(_ m: inout Measures, seconds: Int32, completed: Bool) {
        m.plays += 1
        if completed { m.completedPlays += 1 }
        m.watchSeconds += Int64(seconds)
    }

    private static func addThumb(_ m: inout Measures, up: Bool) {
        if up { m.thumbsUp += 1 } else { m.thumbsDown += 1 }
    }
}
