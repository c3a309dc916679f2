/// The additive measures of one title on one day, and its distinct viewers: what the source's rows
/// add up to, and what `analytics.fact_title_daily` holds, for `tally reconcile`.
public struct TitleDayTotals: Sendable, Codable, Hashable {
    public struct Key: Sendable, Codable, Hashable, Comparable {
        public var day: Day
        /// `app.titles.title_id`; -1 for titles not in the catalogue.
        public var titleID: Int

        public static func < (a: Key, b: Key) -> Bool { (a.day, a.titleID) < (b.day, b.titleID) }
    }

    public var plays = 0
    public var watchSeconds = 0
    public var completedPlays = 0
    public var viewers = 0
    public var thumbsUp = 0
    public var thumbsDown = 0

    /// The measures by name, in the order reports list them.
    public var measures: [(name: String, value: Int)] {
        [
            ("plays", plays), ("watch_seconds", watchSeconds), ("completed_plays", completedPlays), ("viewers", viewers),
            ("thumbs_up", thumbsUp), ("thumbs_down", thumbsDown),
        ]
    }

    /// Adds the additive measures of `other` (distinct viewers do not add up across titles).
    mutating func addAdditive(_ other: TitleDayTotals) {
        plays += other.plays
        watchSeconds += other.watchSeconds
        completedPlays += other.completedPlays
        thumbsUp += other.thumbsUp
        thumbsDown += other.thumbsDown
    }
}
