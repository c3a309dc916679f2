/// The fact rows of a recompute, one array per fact table. Days are `Day`s and periods are the
/// engine's `Period`s; `FactWriter` says how each column is written.
struct Facts {
    var daily: [DailyFact] = []
    var segments: [SegmentFact] = []
    var periods: [PeriodFact] = []
    var coviewing: [CoviewingFact] = []
    var streaks: [StreakFact] = []
    var breakdowns: [BreakdownFact] = []
    var groups: [GroupFact] = []

    /// Rows of every table.
    var count: Int { daily.count + segments.count + periods.count + coviewing.count + streaks.count + breakdowns.count + groups.count }

    mutating func append(_ other: Facts) {
        daily += other.daily
        segments += other.segments
        periods += other.periods
        coviewing += other.coviewing
        streaks += other.streaks
        breakdowns += other.breakdowns
        groups += other.groups
    }
}

/// The measures of a title on a day, whole or in one audience segment.
struct FactMeasures: Equatable {
    /// Distinct people with a play.
    var viewers: Int64 = 0
    /// Distinct people with a rating.
    var raters: Int64 = 0
    var plays: Int64 = 0
    var completedPlays: Int64 = 0
    var watchSeconds: Int64 = 0
    var thumbsUp: Int64 = 0
    var thumbsDown: Int64 = 0
    var skips: Int64 = 0

    /// Adds a private-state row's counts (viewers are counted by the caller).
    mutating func add(_ r: FactEngine.Row) {
        plays += Int64(r.plays)
        completedPlays += Int64(r.completedPlays)
        watchSeconds += r.watchSeconds
        thumbsUp += Int64(r.thumbsUp)
        thumbsDown += Int64(r.thumbsDown)
    }

    /// Adds another group of people's measures of the same fact row.
    mutating func add(_ other: FactMeasures) {
        viewers += other.viewers
        raters += other.raters
        plays += other.plays
        completedPlays += other.completedPlays
        watchSeconds += other.watchSeconds
        thumbsUp += other.thumbsUp
        thumbsDown += other.thumbsDown
        skips += other.skips
    }
}

/// A row of `fact_title_daily`.
struct DailyFact: Equatable {
    var day: Day
    var titleKey: Int32
    var measures: FactMeasures
}

/// A row of `fact_title_daily_segment`.
struct SegmentFact: Equatable {
    var day: Day
    var titleKey: Int32
    var device: Int16
    var region: Int16
    var audience: Int16
    var measures: FactMeasures
}

/// A row of `fact_title_period`.
struct PeriodFact: Equatable {
    var period: FactEngine.Period
    var titleKey: Int32
    var viewers: Int64
    var plays: Int64
    var watchSeconds: Int64
    var skips: Int64
    /// Distinct people on the period's days with fewer than `smallDayBelow` viewers.
    var smallDayViewers: Int64
    var smallDayBelow: Int32
}

/// A row of `fact_title_period_breakdown`: a title's week or month in one value of one audience
/// dimension (device class, region, age band, plan, kids).
struct BreakdownFact: Equatable {
    var period: FactEngine.Period
    var titleKey: Int32
    var dimension: FactEngine.Breakdowns.Dimension
    var value: String
    var measures: FactMeasures
}

/// A row of `fact_group_period`: a series' or a genre's week or month.
struct GroupFact: Equatable {
    var period: FactEngine.Period
    var grouping: FactEngine.TitleGroups.Grouping
    var name: String
    /// Titles of the group with a play in the period.
    var titles: Int32
    var viewers: Int64
    var plays: Int64
    var watchSeconds: Int64
    /// Titles of the group with fewer than `smallTitleBelow` viewers in the period, and the people
    /// who played only those of the group's titles.
    var smallTitles: Int32
    var smallTitleViewers: Int64
    var smallTitleBelow: Int32
}

/// A row of `fact_coviewing`: people who played both titles in a period (`titleA < titleB`).
struct CoviewingFact: Equatable {
    var period: FactEngine.Period
    var titleA: Int32
    var titleB: Int32
    var sharedViewers: Int64
}

/// A row of `fact_title_streak`: people who played a title on each of the `streakDays` days up to `asOf`.
struct StreakFact: Equatable {
    var asOf: Day
    var titleKey: Int32
    var streakDays: Int32
    var viewers: Int64
}
