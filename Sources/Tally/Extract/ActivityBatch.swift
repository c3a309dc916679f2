import Foundation

/// One run's new source rows, aggregated in memory as they stream in: activity per pseudonymous
/// profile, day, title and segment; play counts per day, title, segment and watched second (for
/// skips); and rejects. Memory grows with the batch's distinct (profile, day, title, segment) keys,
/// never with the rows or with history. Profile ids live here only as keys; what leaves is the
/// pseudonym.
struct ActivityBatch {
    /// The non-PII attributes of a profile the segments need, and its pseudonym.
    struct Profile {
        var pseudonym: [UInt8]
        var isKids: Bool
        var plan: String
        var country: String
        var ageBand: String
        var isErased: Bool
    }

    /// A segment: device type, country, age band, plan and kids flag.
    struct Segment: Hashable {
        var deviceType: String
        var country: String
        var ageBand: String
        var plan: String
        var isKids: Bool
    }

    struct ActivityKey: Hashable {
        var profile: Int32
        var day: Int32
        var title: Int32
        var segment: Int32
    }

    struct Measures {
        var plays: Int32 = 0
        var completedPlays: Int32 = 0
        var watchSeconds: Int64 = 0
        var thumbsUp: Int32 = 0
        var thumbsDown: Int32 = 0
    }

    struct DurationKey: Hashable {
        var day: Int32
        var title: Int32
        var segment: Int32
        var watchedSeconds: Int32
    }

    /// Play lengths are kept up to this many seconds; longer plays count as this long (never a skip).
    static let durationCap: Int32 = 600

    var profiles: [Profile] = []
    var profileSlots: [UUIDText: Int32] = [:]
    var segments: [Segment] = []
    var segmentSlots: [Segment: Int32] = [:]
    var activity: [ActivityKey: Measures] = [:]
    var durations: [DurationKey: Int32] = [:]
    var rejects: [Staging.Reject] = []
    /// Source rows read, valid or not.
    var rowsRead = 0
    /// Valid source rows (plays and ratings) in the aggregates.
    var rowsAggregated = 0
    /// The oldest ingestion time among the rows read, in microseconds since 1970.
    var oldestIngested: Int64?

    var oldestIngestedAt: Date? { oldestIngested.map { Date(timeIntervalSince1970: Double($0) / 1_000_000) } }

    mutating func addProfile(id: UUIDText, _ profile: Profile) {
        profileSlots[id] = Int32(profiles.count)
        profiles.append(profile)
    }

    mutating func segmentSlot(_ segment: Segment) -> Int32 {
        if let slot = segmentSlots[segment] { return slot }
        let slot = Int32(segments.count)
        segments.append(segment)
        segmentSlots[segment] = slot
        return slot
    }
}

/// A UUID in PostgreSQL's text form (36 bytes), held as two integers so it hashes cheaply.
struct UUIDText: Hashable {
    var high: UInt64
    var low: UInt64

    /// Parses lower- or upper-case hex with dashes; nil for anything else.
    init?<C: Collection>(_ text: C) where C.Element == UInt8 {
        guard text.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var nibbles = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
            case UInt8(ascii: "-"): continue
            default: return nil
            }
            if nibbles < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            nibbles += 1
        }
        guard nibbles == 32 else { return nil }
        self.high = high
        self.low = low
    }
}

/// Walks the tab-separated fields of one COPY text row in order, without copying it. Fields the
/// extract sends are plain (no escapes): numbers, codes, UUIDs, lower-case device types.
struct FieldCursor {
    private let row: UnsafeRawBufferPointer
    private var position = 0

    init(_ row: UnsafeRawBufferPointer) {
        self.row = row
    }

    /// The next field's bytes (without the tab or the final newline).
    mutating func next() -> UnsafeRawBufferPointer.SubSequence {
        var end = position
        while end < row.count, row[end] != UInt8(ascii: "\t"), row[end] != UInt8(ascii: "\n") { end += 1 }
        defer { position = end + 1 }
        return row[position..<end]
    }

    /// The next field as an integer; nil for NULL (`\N`).
    mutating func nextInteger() -> Int64? {
        let field = next()
        guard let first = field.first, first != UInt8(ascii: "\\") else { return nil }
        var value: Int64 = 0
        var negative = false
        for byte in field {
            if byte == UInt8(ascii: "-") { negative = true } else { value = value * 10 + Int64(byte &- 48) }
        }
        return negative ? -value : value
    }

    /// The next field as text; nil for NULL.
    mutating func nextString() -> String? {
        let field = next()
        if field.count == 2, field.first == UInt8(ascii: "\\"), field.last == UInt8(ascii: "N") { return nil }
        return String(decoding: field, as: UTF8.self)
    }
}
