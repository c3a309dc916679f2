-- The report views analysts read with psql: the analytics facts with titles and days spelled out,
-- and every count of people suppressed below k (report.settings.k, default 11).
-- Grain: one view per question; each view's comment gives its grain.
--
-- How suppression works (docs/analysts.md explains it for analysts):
--   * Primary: a row whose count of people is below k shows NULL in every count and measure of that
--     row, and suppressed = true. A derived ratio (jaccard, lift) is NULL unless every count it is
--     computed from is shown.
--   * Complementary, title_segments against title_daily: title_daily publishes each title-day's
--     total. Without more, total minus the published segments would give a lone suppressed segment
--     away (its viewers, and its plays and watch time, which do add up). So within a title-day
--     with a suppressed segment, further segments are suppressed, smallest first, until the
--     residual an analyst can compute, total viewers minus the viewers of the published segments,
--     is at least k. That residual is a lower bound on the distinct people in the suppressed
--     segments (viewers do not add up across segments, so it cannot be more), so at least two
--     segments are always suppressed and the plays and watch time that differencing reveals
--     belong to k or more people together. A title-day whose total is below k has every segment
--     below k too (a segment's viewers are a subset of the day's), so all are suppressed.
--   * Periods against days: title_weekly and title_monthly publish plays and watch_hours only when
--     no day of that title in the period is suppressed in title_daily; otherwise the period total
--     minus the published days would give the hidden days' plays away. Viewers are distinct over
--     the period and are not the sum of days, so they are shown whenever they reach k.
--   * Streak and co-viewing counts are not broken down by segment; differences between them
--     (streak_days 17 minus 18, viewers_a minus shared_viewers) describe behaviour, not a
--     quasi-identifier cell, and are left as they are (see docs/analysts.md).
--
-- Views run with the privileges of their owner (tally_owner), so analysts need no grant on
-- analytics. security_barrier keeps an analyst's own functions from seeing rows or values before
-- suppression (only leakproof conditions, such as = on a day or a title, are pushed inside).
-- Views are dropped and re-created, so a column can be added anywhere (e.g. skips next to plays).

drop view if exists report.title_daily, report.title_weekly, report.title_monthly,
    report.title_segments, report.coviewing, report.title_streaks;

create view report.title_daily with (security_barrier) as
select
    d.full_date as day,
    t.title_id,
    t.name as title,
    t.kind,
    case when f.viewers >= s.k then f.viewers end as viewers,
    case when f.viewers >= s.k then f.plays end as plays,
    case when f.viewers >= s.k then f.completed_plays end as completed_plays,
    case when f.viewers >= s.k then f.skips end as skips,
    case when f.viewers >= s.k then round(f.watch_seconds / 3600.0, 1) end as watch_hours,
    case when f.viewers >= s.k then f.thumbs_up end as thumbs_up,
    case when f.viewers >= s.k then f.thumbs_down end as thumbs_down,
    f.viewers < s.k as suppressed
from analytics.fact_title_daily f
join analytics.dim_date d on d.date_key = f.date_key
join analytics.dim_title t on t.title_key = f.title_key
cross join report.settings s;

create view report.title_weekly with (security_barrier) as
with suppressed_days as (
    -- Title-days hidden in title_daily, per ISO week and title (the unknown member as -1).
    select distinct d.week_start, coalesce(t.title_id, -1) as title_ref
    from analytics.fact_title_daily f
    join analytics.dim_date d on d.date_key = f.date_key
    join analytics.dim_title t on t.title_key = f.title_key
    cross join report.settings s
    where f.viewers < s.k
)
select
    p.period_start as week_start,
    t.title_id,
    t.name as title,
    t.kind,
    case when p.viewers >= s.k then p.viewers end as viewers,
    case when p.viewers >= s.k and x.week_start is null then p.plays end as plays,
    case when p.viewers >= s.k and x.week_start is null then p.skips end as skips,
    case when p.viewers >= s.k and x.week_start is null then round(p.watch_seconds / 3600.0, 1) end as watch_hours,
    (p.viewers < s.k or x.week_start is not null) as suppressed
from analytics.fact_title_period p
join analytics.dim_title t on t.title_key = p.title_key
cross join report.settings s
left join suppressed_days x on x.week_start = p.period_start and x.title_ref = coalesce(t.title_id, -1)
where p.period_kind = 'week';

create view report.title_monthly with (security_barrier) as
with suppressed_days as (
    -- Title-days hidden in title_daily, per calendar month and title (the unknown member as -1).
    select distinct d.month_start, coalesce(t.title_id, -1) as title_ref
    from analytics.fact_title_daily f
    join analytics.dim_date d on d.date_key = f.date_key
    join analytics.dim_title t on t.title_key = f.title_key
    cross join report.settings s
    where f.viewers < s.k
)
select
    p.period_start as month_start,
    t.title_id,
    t.name as title,
    t.kind,
    case when p.viewers >= s.k then p.viewers end as viewers,
    case when p.viewers >= s.k and x.month_start is null then p.plays end as plays,
    case when p.viewers >= s.k and x.month_start is null then p.skips end as skips,
    case when p.viewers >= s.k and x.month_start is null then round(p.watch_seconds / 3600.0, 1) end as watch_hours,
    (p.viewers < s.k or x.month_start is not null) as suppressed
from analytics.fact_title_period p
join analytics.dim_title t on t.title_key = p.title_key
cross join report.settings s
left join suppressed_days x on x.month_start = p.period_start and x.title_ref = coalesce(t.title_id, -1)
where p.period_kind = 'month';

create view report.title_segments with (security_barrier) as
with cells as (
    select
        d.full_date as day,
        t.title_id,
        t.name as title,
        t.kind,
        f.title_key,
        dv.device_class,
        dv.device_type,
        r.region,
        r.country_code,
        a.age_band,
        a.plan,
        a.is_kids,
        f.device_key,
        f.region_key,
        f.audience_key,
        f.viewers,
        f.plays,
        f.completed_plays,
        f.skips,
        f.watch_seconds,
        tot.viewers as day_viewers,
        s.k,
        -- Primary suppression; a day whose total is missing or below k hides every segment.
        (f.viewers < s.k or coalesce(tot.viewers < s.k, true)) as is_primary
    from analytics.fact_title_daily_segment f
    join analytics.dim_date d on d.date_key = f.date_key
    join analytics.dim_title t on t.title_key = f.title_key
    join analytics.dim_device dv on dv.device_key = f.device_key
    join analytics.dim_region r on r.region_key = f.region_key
    join analytics.dim_audience a on a.audience_key = f.audience_key
    left join analytics.fact_title_daily tot on tot.date_key = f.date_key and tot.title_key = f.title_key
    cross join report.settings s
), ranked as (
    -- Per title-day: whether anything is suppressed, the residual if only the primary cells were
    -- hidden, and, in order from the smallest cell, the viewers of the smaller shown cells.
    -- The window partitions by every column an analyst filters on (all determined by the
    -- title-day), so such a filter is applied before the windows run.
    select
        c.*,
        bool_or(c.is_primary) over title_day as day_has_primary,
        c.day_viewers - coalesce(sum(c.viewers) filter (where not c.is_primary) over title_day, 0) as primary_residual,
        coalesce(sum(c.viewers) filter (where not c.is_primary) over (
            title_day order by c.viewers, c.plays, c.watch_seconds, c.device_key, c.region_key, c.audience_key
            rows between unbounded preceding and 1 preceding), 0) as smaller_shown_viewers
    from cells c
    window title_day as (partition by c.day, c.title_id, c.title, c.kind, c.title_key)
), decided as (
    -- A shown cell becomes complementary while the residual, with every smaller cell already
    -- added to the hidden ones, is still below k.
    select
        r.*,
        (r.is_primary or (r.day_has_primary and r.primary_residual + r.smaller_shown_viewers < r.k)) as is_suppressed
    from ranked r
)
select
    day,
    title_id,
    title,
    kind,
    device_class,
    device_type,
    region,
    country_code,
    age_band,
    plan,
    is_kids,
    case when not is_suppressed then plays end as plays,
    case when not is_suppressed then completed_plays end as completed_plays,
    case when not is_suppressed then skips end as skips,
    case when not is_suppressed then round(watch_seconds / 3600.0, 1) end as watch_hours,
    case when not is_suppressed then viewers end as viewers,
    is_suppressed as suppressed
from decided;

create view report.coviewing with (security_barrier) as
with pairs as (
    -- Both orders of every stored pair, so that title_a = 'X' finds all of X's partners.
    select period_kind, period_start, title_a_key as a_key, title_b_key as b_key, shared_viewers from analytics.fact_coviewing
    union all
    select period_kind, period_start, title_b_key, title_a_key, shared_viewers from analytics.fact_coviewing
), audience as (
    -- The period's whole audience: distinct people with any play in it.
    select period_kind, period_start, viewers as audience_viewers
    from analytics.fact_period_audience
), counted as (
    select
        c.period_kind,
        c.period_start,
        ta.title_id as title_a_id,
        ta.name as title_a,
        tb.title_id as title_b_id,
        tb.name as title_b,
        c.shared_viewers,
        pa.viewers as viewers_a,
        pb.viewers as viewers_b,
        n.audience_viewers,
        s.k,
        (c.shared_viewers >= s.k and pa.viewers >= s.k and pb.viewers >= s.k) as is_shown
    from pairs c
    join analytics.dim_title ta on ta.title_key = c.a_key
    join analytics.dim_title tb on tb.title_key = c.b_key
    left join analytics.fact_title_period pa
        on pa.period_kind = c.period_kind and pa.period_start = c.period_start and pa.title_key = c.a_key
    left join analytics.fact_title_period pb
        on pb.period_kind = c.period_kind and pb.period_start = c.period_start and pb.title_key = c.b_key
    left join audience n on n.period_kind = c.period_kind and n.period_start = c.period_start
    cross join report.settings s
)
select
    period_kind as period,
    period_start,
    title_a_id,
    title_a,
    title_b_id,
    title_b,
    case when shared_viewers >= k then shared_viewers end as shared_viewers,
    case when viewers_a >= k then viewers_a end as viewers_a,
    case when viewers_b >= k then viewers_b end as viewers_b,
    case when is_shown then round(shared_viewers::numeric / (viewers_a + viewers_b - shared_viewers), 3) end as jaccard,
    case when is_shown then round(shared_viewers::numeric * audience_viewers / (viewers_a::numeric * viewers_b), 2) end as lift,
    not coalesce(is_shown, false) as suppressed
from counted;

create view report.title_streaks with (security_barrier) as
select
    d.full_date as as_of,
    t.title_id,
    t.name as title,
    f.streak_days,
    case when f.viewers >= s.k then f.viewers end as viewers,
    f.viewers < s.k as suppressed
from analytics.fact_title_streak f
join analytics.dim_date d on d.date_key = f.as_of_date_key
join analytics.dim_title t on t.title_key = f.title_key
cross join report.settings s;

alter view report.title_daily owner to tally_owner;
alter view report.title_weekly owner to tally_owner;
alter view report.title_monthly owner to tally_owner;
alter view report.title_segments owner to tally_owner;
alter view report.coviewing owner to tally_owner;
alter view report.title_streaks owner to tally_owner;

revoke all on report.title_daily, report.title_weekly, report.title_monthly,
    report.title_segments, report.coviewing, report.title_streaks from public;
grant select on report.title_daily, report.title_weekly, report.title_monthly,
    report.title_segments, report.coviewing, report.title_streaks to tally_analyst;

-- report.title_daily
comment on view report.title_daily is 'Per title per day: audience, plays, watch time and thumbs. Grain: one row per (day, title) with a play or a rating. Source: analytics.fact_title_daily. Suppression: a row with fewer than k viewers (report.settings) shows NULL in every count and measure, with suppressed = true. Rows add up across titles and days for plays, watch_hours and thumbs; viewers do not.';
comment on column report.title_daily.day is 'The day, in the warehouse business time zone (UTC unless configured otherwise). Grain column.';
comment on column report.title_daily.title_id is 'Catalogue title id; NULL for the unknown title (plays of titles not yet in the catalogue). Grain column.';
comment on column report.title_daily.title is 'Title name as it was that day.';
comment on column report.title_daily.kind is 'movie, episode, series, track or album (unknown for the unknown title).';
comment on column report.title_daily.viewers is 'Distinct profiles that played the title that day. Exact. NOT additive: do not sum across days (one person watching on 3 days is 1 viewer each day). NULL when fewer than k (suppressed).';
comment on column report.title_daily.plays is 'Playback events that day. Additive. NULL when the row is suppressed.';
comment on column report.title_daily.skips is 'Plays that ended before the skip threshold (min of etl.settings.skip_seconds, default 30 s, and skip_runtime_share, default 10%, of the runtime). Additive; skips / plays is the skip rate. NULL when the row is suppressed, like plays.';
comment on column report.title_daily.completed_plays is 'Plays watched to the end. Additive; completed_plays / plays is the completion rate. NULL when the row is suppressed.';
comment on column report.title_daily.watch_hours is 'Hours watched (seconds / 3600, rounded to 0.1). Additive. NULL when the row is suppressed.';
comment on column report.title_daily.thumbs_up is 'Thumbs-up ratings given that day. Additive. NULL when the row is suppressed.';
comment on column report.title_daily.thumbs_down is 'Thumbs-down ratings given that day. Additive. NULL when the row is suppressed.';
comment on column report.title_daily.suppressed is 'True when the day had fewer than k viewers, so every count and measure of the row is NULL. Explains the NULLs; never NULL itself.';

-- report.title_weekly
comment on view report.title_weekly is 'Per title per ISO week (Monday to Sunday): distinct audience over the week, plays and watch time. Grain: one row per (week_start, title). Source: analytics.fact_title_period (week). Suppression: viewers NULL below k; plays and watch_hours NULL also when any day of the title in that week is suppressed in title_daily, since the week minus the shown days would reveal it.';
comment on column report.title_weekly.week_start is 'Monday of the ISO week. Grain column.';
comment on column report.title_weekly.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_weekly.title is 'Title name as of the last loaded day of the week.';
comment on column report.title_weekly.kind is 'movie, episode, series, track or album.';
comment on column report.title_weekly.viewers is 'Distinct profiles that played the title at least once in the week. Exact; not the sum of daily viewers, and not additive across weeks or titles. NULL when fewer than k.';
comment on column report.title_weekly.plays is 'Playback events in the week. Additive (the sum of the days). NULL when viewers are suppressed or when any day of this title in the week is suppressed in title_daily.';
comment on column report.title_weekly.skips is 'Plays in the week that ended before the skip threshold. Additive. NULL under the same rule as plays.';
comment on column report.title_weekly.watch_hours is 'Hours watched in the week, rounded to 0.1. Additive. NULL under the same rule as plays.';
comment on column report.title_weekly.suppressed is 'True when any value of the row is NULL for privacy: fewer than k viewers, or a suppressed day inside the week (then only plays and watch_hours are NULL).';

-- report.title_monthly
comment on view report.title_monthly is 'Per title per calendar month: distinct audience over the month, plays and watch time. Grain: one row per (month_start, title). Source: analytics.fact_title_period (month). Suppression: viewers NULL below k; plays and watch_hours NULL also when any day of the title in that month is suppressed in title_daily.';
comment on column report.title_monthly.month_start is 'First day of the month. Grain column.';
comment on column report.title_monthly.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_monthly.title is 'Title name as of the last loaded day of the month.';
comment on column report.title_monthly.kind is 'movie, episode, series, track or album.';
comment on column report.title_monthly.viewers is 'Distinct profiles that played the title at least once in the month. Exact; not the sum of daily or weekly viewers, and not additive. NULL when fewer than k.';
comment on column report.title_monthly.plays is 'Playback events in the month. Additive. NULL when viewers are suppressed or when any day of this title in the month is suppressed in title_daily.';
comment on column report.title_monthly.skips is 'Plays in the month that ended before the skip threshold. Additive. NULL under the same rule as plays.';
comment on column report.title_monthly.watch_hours is 'Hours watched in the month, rounded to 0.1. Additive. NULL under the same rule as plays.';
comment on column report.title_monthly.suppressed is 'True when any value of the row is NULL for privacy: fewer than k viewers, or a suppressed day inside the month (then only plays and watch_hours are NULL).';

-- report.title_segments
comment on view report.title_segments is 'Per title per day per audience segment: device type, country and audience (age band, plan, kids), with their groupings device_class and region. Grain: one row per (day, title, device_type, country_code, age_band, plan, is_kids) with activity. Source: analytics.fact_title_daily_segment. Suppression: a segment with fewer than k viewers is hidden, and so are further segments of the same title-day, smallest first, until title_daily''s total minus the shown segments is at least k: no hidden segment can be recovered by subtraction. Hidden rows show NULL in every count and measure, suppressed = true; primary and complementary cells look the same on purpose. Sums of shown rows therefore undercount; title_daily has the exact totals.';
comment on column report.title_segments.day is 'The day. Grain column.';
comment on column report.title_segments.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_segments.title is 'Title name as it was that day.';
comment on column report.title_segments.kind is 'movie, episode, series, track or album.';
comment on column report.title_segments.device_class is 'tv, mobile, web, console or other (ratings, which carry no device, count under other). Group by it to compare device classes.';
comment on column report.title_segments.device_type is 'Device type as the service reports it; unknown for ratings. Grain column.';
comment on column report.title_segments.region is 'Europe, North America, Latin America, Asia Pacific, Middle East & Africa or Other.';
comment on column report.title_segments.country_code is 'ISO 3166-1 alpha-2 country of the play (the account''s country for ratings). Grain column.';
comment on column report.title_segments.age_band is 'Age band of the account holder (generalised before it left the operational database), or unknown. Grain column.';
comment on column report.title_segments.plan is 'Subscription plan. Grain column.';
comment on column report.title_segments.is_kids is 'Whether the activity came from a kids'' profile. Grain column.';
comment on column report.title_segments.plays is 'Playback events in the segment. Additive; but hidden segments are NULL, so sums over shown rows undercount. NULL when suppressed.';
comment on column report.title_segments.skips is 'Plays in the segment that ended before the skip threshold. Additive. NULL when suppressed, like plays.';
comment on column report.title_segments.completed_plays is 'Plays watched to the end. Additive; completed_plays / plays is the completion rate. NULL when suppressed.';
comment on column report.title_segments.watch_hours is 'Hours watched (seconds / 3600, rounded to 0.1). Additive. NULL when suppressed.';
comment on column report.title_segments.viewers is 'Distinct profiles in the segment. NON-ADDITIVE: one profile on two devices or in two countries counts in both segments, so segments do not sum to title_daily.viewers, nor across days. NULL when suppressed.';
comment on column report.title_segments.suppressed is 'True when the segment is hidden: it had fewer than k viewers, or it hides with them so that title_daily''s total minus the shown segments cannot give a small one away. Every count and measure of the row is then NULL.';

-- report.coviewing
comment on view report.coviewing is 'Co-viewing: how many people watched both of two titles in the same ISO week or calendar month. Grain: one row per (period, period_start, title_a, title_b) that at least the storage floor of people watched together (etl.coviewing_floor(): k unless the DBA set it lower; a missing pair has fewer, not none), in both orders (A, B) and (B, A), so where title_a = ''X'' lists every partner of X. Source: analytics.fact_coviewing, fact_title_period and fact_period_audience. Suppression: counts below k are NULL; jaccard and lift are NULL unless all three counts are shown. No counts add up.';
comment on column report.coviewing.period is 'week (ISO, Monday start) or month. Grain column.';
comment on column report.coviewing.period_start is 'First day of the period. Grain column.';
comment on column report.coviewing.title_a_id is 'Catalogue id of the first title of the pair. Grain column.';
comment on column report.coviewing.title_a is 'Name of the first title (as of the period''s last loaded day).';
comment on column report.coviewing.title_b_id is 'Catalogue id of the second title. Grain column.';
comment on column report.coviewing.title_b is 'Name of the second title.';
comment on column report.coviewing.shared_viewers is 'Distinct profiles that played both titles in the period. Exact; not additive. NULL when fewer than k.';
comment on column report.coviewing.viewers_a is 'Distinct profiles that played title A in the period (as in title_weekly / title_monthly). NULL when fewer than k.';
comment on column report.coviewing.viewers_b is 'Distinct profiles that played title B in the period. NULL when fewer than k.';
comment on column report.coviewing.jaccard is 'shared_viewers / (viewers_a + viewers_b - shared_viewers): the overlap of the two audiences, 0 to 1, rounded to 0.001. NULL unless all three counts are shown.';
comment on column report.coviewing.lift is 'shared_viewers x N / (viewers_a x viewers_b): how many times more often the titles share viewers than if they were watched independently. N is the period''s whole audience (analytics.fact_period_audience: distinct people with any play in it), so lift is exact; above 1 means the titles share more viewers than chance. Rounded to 0.01. NULL unless all three counts are shown.';
comment on column report.coviewing.suppressed is 'True when shared_viewers, viewers_a or viewers_b is NULL because it is below k; jaccard and lift are then NULL too.';

-- report.title_streaks
comment on view report.title_streaks is 'Binge streaks: how many people watched a title on every one of the streak_days consecutive days ending on as_of. Answers "how many people watched A Christmas Prince every day for the past 18 days". Grain: one row per (as_of, title, streak_days), streak_days from 2 up to the load''s maximum (30 by default), stored only when at least one person qualifies; a missing row means 0, which is below k. Source: analytics.fact_title_streak. Suppression: viewers below k are NULL. Not additive.';
comment on column report.title_streaks.as_of is 'Last day of the streak. Grain column.';
comment on column report.title_streaks.title_id is 'Catalogue title id. Grain column.';
comment on column report.title_streaks.title is 'Title name as of as_of.';
comment on column report.title_streaks.streak_days is 'Length of the run of consecutive days ending on as_of, from 2. Grain column.';
comment on column report.title_streaks.viewers is 'People who played the title on each of the streak_days days ending on as_of (at least that long a run). Exact; decreases as streak_days grows. NULL when fewer than k.';
comment on column report.title_streaks.suppressed is 'True when fewer than k people had the streak, so viewers is NULL.';
