/// Why a source row was not turned into facts. The raw values are what `etl.rejects.reason`
/// holds; the order of the cases is the order of precedence when a row has several faults.
public enum RejectReason: String, Sendable, CaseIterable, Codable {
    /// The row's profile is not in the source (or not visible to the loader).
    case unknownProfile = "unknown_profile"
    /// The row's account was erased.
    case erasedProfile = "erased_profile"
    /// A play with negative watched seconds.
    case negativeDuration = "negative_duration"
    /// A play longer than `max_watch_seconds`.
    case absurdDuration = "absurd_duration"
    /// A rating whose thumb is neither +1 nor -1.
    case invalidThumb = "invalid_thumb"
    /// An event later than the source clock plus the late tolerance.
    case futureTimestamp = "future_timestamp"
    /// An event before `service_start`.
    case beforeServiceStart = "before_service_start"
    /// An event of a day older than the retention window: it cannot be made exact without the
    /// person-level state that retention removed.
    case beyondRetention = "beyond_retention"
}

/// A rejected source row: which table, which id, and why. No other field of the row is kept.
public struct Reject: Sendable, Equatable {
    /// The source table of a rejected row, as `etl.rejects.source` names it.
    public enum Source: String, Sendable {
        case playback
        case rating
    }

    public var source: Source
    public var id: Int64
    public var reason: RejectReason
}

/// What makes a row of a known, live profile invalid.
struct RejectRules: Sendable {
    var maxWatchSeconds: Int64
    /// Days since 1970; rows of earlier days are before the service started.
    var serviceStartDay: Int64
    /// Days since 1970; rows of earlier days are beyond the retention window.
    var firstRetainedDay: Int64

    /// The reason to reject a play (`watched` set) or a rating (`thumb` set), or nil to keep it.
    /// The checks run in `RejectReason`'s order of precedence.
    func reason(isPlay: Bool, day: Int64, watched: Int64?, thumb: Int64?, isFuture: Bool) -> RejectReason? {
        if isPlay, let watched, watched < 0 { return .negativeDuration }
        if isPlay, let watched, watched > maxWatchSeconds { return .absurdDuration }
        if !isPlay, let thumb, thumb != 1 && thumb != -1 { return .invalidThumb }
        if isFuture { return .futureTimestamp }
        if day < serviceStartDay { return .beforeServiceStart }
        if day < firstRetainedDay { return .beyondRetention }
        return nil
    }
}
