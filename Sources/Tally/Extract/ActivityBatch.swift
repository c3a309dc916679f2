import Foundation

/// One run's new source rows, aggregated in memory as they stream in: activity per pseudonymous
/// profile, day, title and segment; play counts per day, title, segment and watched second (for
/// skips); and rejects. Memory grows with the batch's distinct (profile, day, title, segment) keys,
/// never with the rows or with history. Profile ids live here only as keys; what leaves is the
/// pseudonym.
struct ActivityBatch {
    init(rules: Rules) {
        self.rules = rules
    }

    /// A profile as the batch needs it: its pseudonym, the code of its (age band, plan, kids)
    /// attributes, its account's country (the default for rows without one), and whether it was erased.
    struct Profile {
        var pseudonym: [UInt8]
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
    struct SegmentCode: Hashable {
        var device: Int32
        var country: Int32
        var attributes: Int32
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

    /// What makes a row invalid, besides its profile.
    struct Rules {
        var maxWatchSeconds: Int64
        var serviceStartDay: Int64
        /// Rows of earlier days are beyond the retention window.
        var firstRetainedDay: Int64
    }

    /// The reject reason of a row of a known, live profile, or nil. The order is the reasons' precedence.
    func reason(isPlay: Bool, day: Int64, watched: Int64?, thumb: Int64?, isFuture: Bool) -> String? {
        if isPlay, let watched, watched < 0 { return "negative_duration" }
        if isPlay, let watched, watched > rules.maxWatchSeconds { return "absurd_duration" }
        if !isPlay, let thumb, thumb != 1 && thumb != -1 { return "invalid_thumb" }
        if isFuture { return "future_timestamp" }
        if day < rules.serviceStartDay { return "before_service_start" }
        if day < rules.firstRetainedDay { return "beyond_retention" }
        return nil
    }

    /// Play lengths are kept below this many seconds; longer plays are never skips (skip_seconds is
    /// at most 600), so they need no row.
    static let durationCap: Int32 = 600

    /// Rows are aggregated in partitions by profile: a row waits in its partition's buffer, and a
    /// full buffer is aggregated at once against the partition's profiles and activity, which are
    /// small enough to stay in cache. One map of two million keys missed the cache twice a row.
    static let partitions = 256
    static let bufferedRows = 256

    /// A row read but not yet aggregated.
    private struct Pending {
        var id: Int64
        var profile: UUIDText
        /// title << 32 | day, as the extract sends it.
        var titleDay: Int64
        var device: Int32
        /// -1: the profile's country.
        var country: Int32
        /// watched * 4 + completed * 2 + future for a play, thumb * 2 + future for a rating.
        var packed: Int64
        var isPlay: Bool
    }

    let rules: Rules
    var profiles: [Profile] = []
    private var profileSlots = [FlatMap<UUIDText, Int32>](repeating: FlatMap(), count: partitions)
    private var pending = [[Pending]](repeating: [], count: partitions)
    private var activity = [FlatMap<ActivityKey, Measures>](repeating: FlatMap(), count: partitions)
    /// The segments' codes, in segment order.
    private var segmentCodes: [SegmentCode] = []
    /// Each device and country code's normalised text, once `normalise` has run.
    private var normalisedDevices: [String]?
    private var normalisedCountries: [String]?
    private var segmentSlots: [SegmentCode: Int32] = [:]
    private var devices = ByteInterner()
    private var countries = ByteInterner()
    private var attributes: [(ageBand: String, plan: String, isKids: Bool)] = []
    var durations = FlatMap<DurationKey, Int32>()
    var rejects: [Staging.Reject] = []
    /// Source rows read, valid or not.
    var rowsRead = 0
    /// Valid source rows (plays and ratings) in the aggregates.
    var rowsAggregated = 0
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
        return segmentCodes.map { code in
            let a = attributes[Int(code.attributes)]
            return Segment(deviceType: normalisedDevices[Int(code.device)], country: normalisedCountries[Int(code.country)],
                           ageBand: a.ageBand, plan: a.plan, isKids: a.isKids)
        }
    }

    mutating func addProfile(id: UUIDText, pseudonym: [UInt8], isKids: Bool, plan: String, country: [UInt8], ageBand: String, isErased: Bool) {
        let code: Int32
        if let known = attributes.firstIndex(where: { $0 == (ageBand, plan, isKids) }) { code = Int32(known) } else {
            code = Int32(attributes.count)
            attributes.append((ageBand, plan, isKids))
        }
        _ = profileSlots[Self.partition(id)].index(of: id, inserting: Int32(profiles.count))
        profiles.append(Profile(pseudonym: pseudonym, attributes: code, country: country.withUnsafeBytes { countries.code($0) }, isErased: isErased))
    }

    /// The device type of every rating, which has none.
    static let ratingDevice = Array("unknown".utf8)

    /// The partition of a profile: the low bits of its hash (a FlatMap places keys by the high ones).
    private static func partition(_ profile: UUIDText) -> Int {
        Int(truncatingIfNeeded: profile.hashBits & UInt64(partitions - 1))
    }

    /// Reads one row of the extract's `plays` or `ratings` statement; it is aggregated (or kept as
    /// a reject) with its partition's next rows, at the latest by `finish()`. Returns false for a
    /// row that does not have the expected shape.
    mutating func add(_ row: UnsafeRawBufferPointer, isPlay: Bool) -> Bool {
        guard var fields = BinaryRowCursor(row) else { return true }  // the trailer
        rowsRead += 1
        guard let id = fields.nextInteger(), let profileID = fields.next(), let titleDay = fields.nextInteger(),
              let profile = UUIDText(bytes: profileID)
        else { return false }
        var device: Int32 = -1, country: Int32 = -1
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

    /// Aggregates the rows still buffered. Call it once the extract has read every row.
    mutating func finish() {
        for p in 0..<Self.partitions where !pending[p].isEmpty { aggregate(p) }
    }

    /// Every aggregated (profile, day, title, segment) with its measures; after `finish()`.
    func forEachActivity(_ body: (ActivityKey, Measures) throws -> Void) rethrows {
        assert(pending.allSatisfy(\.isEmpty), "finish() first")
        for part in activity {
            for (key, measures) in zip(part.keys, part.values) { try body(key, measures) }
        }
    }

    /// `forEachActivity` that frees each partition once visited, so the batch's memory goes as
    /// its rows are copied elsewhere; the batch holds no activity afterwards.
    mutating func drainActivity(_ body: (ActivityKey, Measures) throws -> Void) rethrows {
        assert(pending.allSatisfy(\.isEmpty), "finish() first")
        for p in activity.indices {
            let part = activity[p]
            activity[p] = FlatMap()
            for (key, measures) in zip(part.keys, part.values) { try body(key, measures) }
        }
    }

    /// The number of (profile, day, title, segment) keys aggregated.
    var activityCount: Int { activity.reduce(0) { $0 + $1.count } }

    private mutating func aggregate(_ p: Int) {
        for row in pending[p] {
            let title = Int32(truncatingIfNeeded: row.titleDay >> 32), day = Int64(Int32(truncatingIfNeeded: row.titleDay))
            let watched: Int64? = row.isPlay ? row.packed >> 2 : nil
            let thumb: Int64? = row.isPlay ? nil : row.packed >> 1
            let reason: String?
            let slot = profileSlots[p][row.profile]
            if let slot {
                reason = profiles[Int(slot)].isErased
                    ? "erased_profile" : self.reason(isPlay: row.isPlay, day: day, watched: watched, thumb: thumb, isFuture: row.packed & 1 != 0)
            } else {
                reason = "unknown_profile"
            }
            if let reason {
                rejects.append(Staging.Reject(source: row.isPlay ? "playback" : "rating", id: String(row.id), reason: reason))
                continue
            }
            let profile = profiles[Int(slot!)]
            let code = SegmentCode(device: row.device, country: row.country >= 0 ? row.country : profile.country, attributes: profile.attributes)
            let segment: Int32
            if let known = segmentSlots[code] { segment = known } else {
                segment = Int32(segmentCodes.count)
                segmentCodes.append(code)
                segmentSlots[code] = segment
            }
            let key = ActivityKey(profile: slot!, day: Int32(day), title: title, segment: segment)
            rowsAggregated += 1
            if let watched {
                let seconds = Int32(clamping: watched)
                Self.addPlay(&activity[p].values[activity[p].index(of: key, inserting: Measures())], seconds: seconds, completed: row.packed & 2 != 0)
                if seconds < Self.durationCap {
                    durations.values[durations.index(of: DurationKey(day: key.day, title: key.title, segment: segment, watchedSeconds: seconds), inserting: 0)] += 1
                }
            } else {
                Self.addThumb(&activity[p].values[activity[p].index(of: key, inserting: Measures())], up: thumb == 1)
            }
        }
        pending[p].removeAll(keepingCapacity: true)
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

/// Small integer codes for byte strings that repeat (device types, countries).
struct ByteInterner {
    private var values: [[UInt8]] = []
    private var codes: [[UInt8]: Int32] = [:]

    mutating func code(_ raw: UnsafeRawBufferPointer) -> Int32 {
        func matches(_ value: [UInt8]) -> Bool {
            value.count == raw.count && value.withUnsafeBytes { memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }
        }
        // Few distinct values in practice: a linear scan beats hashing until there are many.
        if values.count <= 16 {
            for (i, v) in values.enumerated() where matches(v) { return Int32(i) }
        } else if let known = codes[Array(raw)] {
            return known
        }
        return insert(Array(raw))
    }

    mutating func code(_ bytes: UnsafeRawBufferPointer.SubSequence) -> Int32 {
        code(UnsafeRawBufferPointer(rebasing: bytes))
    }

    private mutating func insert(_ bytes: [UInt8]) -> Int32 {
        let code = Int32(values.count)
        values.append(bytes)
        codes[bytes] = code
        return code
    }

    /// Every value, by code.
    var texts: [String] { values.map { String(decoding: $0, as: UTF8.self) } }
}

/// A UUID, from PostgreSQL's text (36 bytes) or binary (16 bytes) form, held as two integers so it
/// hashes cheaply.
struct UUIDText: FlatMapKey {
    var high: UInt64
    var low: UInt64

    /// Hex digit values, 0xFF for anything else.
    private static let hexValues: [UInt8] = (0...255).map { c in
        switch UInt8(c) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt8(c) - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt8(c) - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt8(c) - UInt8(ascii: "A") + 10
        default: 0xFF
        }
    }

    /// From the 16 bytes of PostgreSQL's binary form; nil for another length.
    init?(bytes: UnsafeRawBufferPointer.SubSequence) {
        guard bytes.count == 16 else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: bytes)
        high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }

    /// Parses the canonical form (8-4-4-4-12 hex digits, either case); nil for anything else.
    init?<C: Collection>(_ text: C) where C.Element == UInt8 {
        guard text.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var invalid: UInt8 = 0
        var position = 0
        for byte in text {
            defer { position += 1 }
            if position == 8 || position == 13 || position == 18 || position == 23 {
                if byte != UInt8(ascii: "-") { return nil }
                continue
            }
            let value = Self.hexValues[Int(byte)]
            invalid |= value & 0xF0
            if position < 19 { high = high << 4 | UInt64(value & 0xF) } else { low = low << 4 | UInt64(value & 0xF) }
        }
        guard invalid == 0 else { return nil }
        self.high = high
        self.low = low
    }

    /// Mixed: not every UUID is random (version 7 ones start with a clock).
    var hashBits: UInt64 { Self.mix(high, low) }
}

/// Walks the fields of one row of COPY binary output (`with (format binary)`), in order. The first
/// row arrives after the file header, which is skipped; the trailer gives no cursor. A row shorter
/// than its lengths claim clears `isValid` instead of reading out of bounds.
struct BinaryRowCursor {
    private let row: UnsafeRawBufferPointer
    private var position: Int
    private(set) var isValid = true

    init?(_ row: UnsafeRawBufferPointer) {
        self.row = row
        position = 0
        if row.count >= 19, row.starts(with: CopyBinary.header.prefix(11)) {
            position = 19 + Int(Int32(bigEndian: row.loadUnaligned(fromByteOffset: 15, as: Int32.self)))
        }
        guard position + 2 <= row.count, Int16(bigEndian: row.loadUnaligned(fromByteOffset: position, as: Int16.self)) >= 0 else { return nil }
        position += 2
    }

    /// The next field's bytes; nil for NULL.
    mutating func next() -> UnsafeRawBufferPointer.SubSequence? {
        guard isValid, position + 4 <= row.count else {
            isValid = false
            return nil
        }
        let length = Int(Int32(bigEndian: row.loadUnaligned(fromByteOffset: position, as: Int32.self)))
        position += 4
        guard length >= 0 else { return nil }
        guard position + length <= row.count else {
            isValid = false
            return nil
        }
        defer { position += length }
        return row[position..<(position + length)]
    }

    /// The next field as a timestamptz, in microseconds since 2000-01-01 (PostgreSQL's epoch); nil
    /// for NULL and for ±infinity.
    mutating func nextTimestamp() -> Int64? {
        guard let field = next() else { return nil }
        guard field.count == 8 else {
            isValid = false
            return nil
        }
        let value = Int64(bigEndian: UnsafeRawBufferPointer(rebasing: field).loadUnaligned(as: Int64.self))
        return value == .max || value == .min ? nil : value
    }

    /// The next field as a smallint, integer or bigint; nil for NULL.
    mutating func nextInteger() -> Int64? {
        guard let field = next() else { return nil }
        let raw = UnsafeRawBufferPointer(rebasing: field)
        switch raw.count {
        case 2: return Int64(Int16(bigEndian: raw.loadUnaligned(as: Int16.self)))
        case 4: return Int64(Int32(bigEndian: raw.loadUnaligned(as: Int32.self)))
        case 8: return Int64(bigEndian: raw.loadUnaligned(as: Int64.self))
        default:
            isValid = false
            return nil
        }
    }
}
