import Foundation

/// A generated warehouse dataset for the analyst report tests, written straight into the analytics
/// dimensions and facts as the superuser: 54 days (2026-11-01 to 2026-12-24) of 12 titles and the
/// unknown title, segment cells with many small counts, day totals that are the segments' sums on
/// two thirds of the title-days and 4 % smaller (people in two segments) on the rest, rating-only
/// cells, weeks, months, co-viewing pairs and streaks. Planted: as of 2026-12-24, exactly 53 people
/// watched A Christmas Prince on each of the past 18 days. Deterministic (hashtext, no random()).
enum AnalystDataset {
    static let sql = """
        -- Generated warehouse dataset for the analyst report tests: 54 days x 12 titles (plus the unknown
        -- title), segments with many small cells, overlapping audiences on a third of the title-days,
        -- rating-only cells, weeks, months, co-viewing pairs and streaks, with 53 people planted as having
        -- watched A Christmas Prince on each of the 18 days up to 2026-12-24.
        create function pg_temp.u(seed text) returns double precision language sql immutable
            as $$ select (hashtext(seed)::bigint & 2147483647) / 2147483648.0 $$;

        select etl.ensure_days(date '2026-11-01', date '2026-12-24');

        insert into analytics.dim_title (title_key, title_id, name, kind, valid_from, valid_to, is_current) values
            (1, 101, 'A Christmas Prince', 'movie', '2026-01-01', null, true),
            (2, 102, 'Stranger Tides', 'episode', '2026-01-01', null, true),
            (3, 103, 'The Quiet Year', 'movie', '2026-01-01', null, true),
            (4, 104, 'Lo-Fi Beats to Study To', 'track', '2026-01-01', null, true),
            (5, 105, 'Night Shift', 'episode', '2026-01-01', '2026-12-01', false),
            (13, 105, 'Night Shift (Director''s Cut)', 'episode', '2026-12-01', null, true),
            (6, 106, 'Glacier Diaries', 'movie', '2026-01-01', null, true),
            (7, 107, 'A Very Small Film', 'movie', '2026-01-01', null, true),
            (8, 108, 'Deep Cut', 'track', '2026-01-01', null, true),
            (9, 109, 'Kids Show', 'episode', '2026-01-01', null, true),
            (10, 110, 'Holiday Bake-Off', 'episode', '2026-01-01', null, true),
            (11, 111, 'Silent Rerun', 'movie', '2026-01-01', null, true),
            (12, 112, 'Old Classic', 'movie', '2026-01-01', null, true);
        update analytics.dim_title t set series_name = x.series, genre = x.genre
        from (values (101, null, 'romance'), (102, 'Tides', 'sci-fi'), (103, null, 'drama'), (104, 'Lo-Fi', 'music'),
                     (105, 'Night Shift', 'crime'), (106, null, 'documentary'), (107, null, 'drama'), (108, 'Lo-Fi', 'music'),
                     (109, 'Kids Show', 'family'), (110, 'Bake-Off', 'family'), (111, null, 'drama'), (112, null, 'drama')) x (id, series, genre)
        where t.title_id = x.id;

        insert into analytics.dim_device (device_key, device_type, device_class)
        select n, t, etl.device_class(t) from unnest(array['tv', 'phone', 'tablet', 'web', 'ps4', 'roku', 'unknown']) with ordinality d(t, n);
        insert into analytics.dim_region (region_key, country_code, region)
        select n, c, etl.region(c) from unnest(array['US', 'CA', 'GB', 'DE', 'IS', 'BR', 'JP']) with ordinality r(c, n);
        insert into analytics.dim_audience (audience_key, age_band, plan, is_kids) values
            (1, '18-24', 'basic', false), (2, '25-34', 'standard', false), (3, '35-44', 'premium', false), (4, 'unknown', 'standard', true);

        create temporary table title_profile (title_key int, title_id int, density double precision, small_share double precision, pop int);
        insert into title_profile values
            (1, 101, 0.12, 0.15, 80), (2, 102, 0.10, 0.10, 60), (3, 103, 0.06, 0.10, 40), (4, 104, 0.08, 0.20, 30),
            (5, 105, 0.05, 0.15, 25), (6, 106, 0.03, 0.60, 10), (7, 107, 0.02, 0.95, 5), (8, 108, 0.04, 0.30, 20),
            (9, 109, 0.06, 0.20, 30), (10, 110, 0.06, 0.10, 35), (11, 111, 0.01, 1.00, 1), (12, 112, 0.04, 0.25, 15),
            (-1, null, 0.02, 0.80, 5);

        -- Segment cells: which exist, and their viewers (1-10 with the title's small share, else 11 and up).
        create temporary table cells as
        select d.date_key, d.full_date,
               case when p.title_id = 105 and d.full_date >= date '2026-12-01' then 13 else p.title_key end as title_key,
               dv.device_key, r.region_key, a.audience_key,
               case when pg_temp.u(x || 'small') < p.small_share
                    then 1 + floor(pg_temp.u(x || 'v') * 10)::int
                    else 11 + floor(p.pop * pg_temp.u(x || 'v') ^ 2)::int end as viewers,
               x
        from analytics.dim_date d
        cross join title_profile p
        cross join analytics.dim_device dv
        cross join analytics.dim_region r
        cross join analytics.dim_audience a
        cross join lateral (select d.date_key || '/' || p.title_key || '/' || dv.device_key || '/' || r.region_key || '/' || a.audience_key as x) k
        where dv.device_type <> 'unknown'
          and pg_temp.u(x || 'exists') < p.density;

        insert into analytics.fact_title_daily_segment
        select date_key, title_key, device_key, region_key, audience_key, viewers,
               plays, floor(plays * (0.3 + 0.6 * pg_temp.u(x || 'c')))::int,
               plays::bigint * (600 + floor(pg_temp.u(x || 'w') * 4800)::int),
               floor(viewers * pg_temp.u(x || 'up') * 0.2)::int, floor(viewers * pg_temp.u(x || 'down') * 0.05)::int
        from (select c.*, viewers + floor(viewers * pg_temp.u(x || 'p'))::int as plays from cells c) c;

        -- Rating-only cells: thumbs without a play (viewers 0), on a quarter of the title-days.
        insert into analytics.fact_title_daily_segment
        select s.date_key, s.title_key, (select device_key from analytics.dim_device where device_type = 'unknown'),
               (select region_key from analytics.dim_region where country_code = 'US'),
               (select min(audience_key) from analytics.dim_audience), 0, 0, 0, 0,
               1 + floor(pg_temp.u(s.date_key || '/' || s.title_key || 'r') * 3)::int, 0
        from (select distinct date_key, title_key from analytics.fact_title_daily_segment) s
        where pg_temp.u(s.date_key || '/' || s.title_key || 'rated') < 0.25;

        -- Day totals: the segments' sums, but on a third of the title-days 4 % of the viewers used two
        -- segments, so the distinct total is smaller than the sum (never below the largest segment).
        insert into analytics.fact_title_daily
        select date_key, title_key,
               case when pg_temp.u(date_key || '/' || title_key || 'overlap') < 0.33
                    then greatest(max(viewers), sum(viewers) - floor(sum(viewers) * 0.04)::int)
                    else sum(viewers) end,
               sum(plays), sum(completed_plays), sum(watch_seconds), sum(thumbs_up), sum(thumbs_down)
        from analytics.fact_title_daily_segment
        group by date_key, title_key;

        -- Raters: each rating from a person of its own, so a segment's raters are its thumbs and a
        -- day's the sum of its segments' (title-days with many viewers and one rater included).
        update analytics.fact_title_daily_segment set raters = thumbs_up + thumbs_down;
        update analytics.fact_title_daily set raters = thumbs_up + thumbs_down;

        -- Weeks and months: distinct audience somewhere between the largest day and the sum of days.
        insert into analytics.fact_title_period
        select p.period_kind, p.start,
               case when max(t.title_id) = 105 and max(d.full_date) >= date '2026-12-01' then 13 else min(f.title_key) end,
               greatest(max(f.viewers), floor(sum(f.viewers) * 0.55)::int), sum(f.plays), sum(f.watch_seconds)
        from analytics.fact_title_daily f
        join analytics.dim_date d using (date_key)
        join analytics.dim_title t using (title_key)
        cross join lateral (values ('week', d.week_start), ('month', d.month_start)) p(period_kind, start)
        group by p.period_kind, p.start, coalesce(t.title_id, -1);

        -- Planted for a month against its weeks and days together (I3 with I3w): Weekly Serial has 33
        -- people in each of the weeks of 2026-11-02, -09 and -16, others each week: three groups of 11,
        -- two of them on each day (22), so the days add up to far more than the week. 8 other people
        -- watched on Monday 2026-11-30 alone (hidden), whose week holds 40 more in December. November
        -- (107) passes I3 (its shown days hold up to 264) and I3w (it has no week below k), but less
        -- its three weeks it would pin the hidden day to 8 to 10 people.
        insert into analytics.dim_title (title_key, title_id, name, kind, valid_from, valid_to, is_current)
        values (14, 113, 'Weekly Serial', 'episode', '2026-01-01', null, true);
        insert into analytics.fact_title_daily (date_key, title_key, viewers, plays, completed_plays, watch_seconds, thumbs_up, thumbs_down)
        select d.date_key, 14, x.v, x.v, x.v / 2, x.v * 1800, 0, 0
        from analytics.dim_date d
        cross join lateral (
            select case when d.full_date between date '2026-11-02' and date '2026-11-22' then 22
                        when d.full_date = date '2026-11-30' then 8
                        when d.full_date between date '2026-12-01' and date '2026-12-06' then 40 end as v) x
        where x.v is not null;
        insert into analytics.fact_title_period (period_kind, period_start, title_key, viewers, plays, watch_seconds)
        select kind, start::date, 14, viewers, plays, plays * 1800
        from (values ('week', '2026-11-02', 33, 154), ('week', '2026-11-09', 33, 154), ('week', '2026-11-16', 33, 154),
                     ('week', '2026-11-30', 48, 248), ('month', '2026-11-01', 107, 470), ('month', '2026-12-01', 40, 240))
             v (kind, start, viewers, plays);

        -- Planted for the periods-against-days rule (I3): in the title-week with the largest lone day
        -- below 11 viewers among days of 20 or more, no one watched on two days (its streaks go, below),
        -- so the week's viewers are its days' sum. Published, that week would pin the hidden day to
        -- within a few values.
        create temporary table planted_week as
        select d.week_start, f.title_key
        from analytics.fact_title_daily f join analytics.dim_date d using (date_key)
        where f.title_key between 2 and 12
        group by d.week_start, f.title_key
        having count(*) >= 3 and count(*) filter (where f.viewers < 11) = 1 and count(*) filter (where f.viewers >= 20) = count(*) - 1
        order by max(f.viewers) filter (where f.viewers < 11) desc, d.week_start, f.title_key
        limit 1;
        do $$ begin
            if (select count(*) from planted_week) <> 1 then
                raise exception 'the dataset has no title-week to plant the periods-against-days case in';
            end if;
        end $$;
        update analytics.fact_title_period p set viewers = (
            select sum(f.viewers) from analytics.fact_title_daily f join analytics.dim_date d using (date_key)
            where d.week_start = w.week_start and f.title_key = w.title_key)
        from planted_week w
        where p.period_kind = 'week' and p.period_start = w.week_start and p.title_key = w.title_key;

        -- Planted for the months-against-weeks rule (I3w): in the title-month with exactly one week
        -- below 11 viewers, the weeks' audiences are disjoint and the small one holds 8, so the
        -- month would pin that week to 8 to 10 people.
        update analytics.fact_title_period m set viewers = x.big + 8
        from (
            select m.period_start, m.title_key, sum(w.viewers) filter (where w.viewers >= 11) as big
            from analytics.fact_title_period m
            join analytics.fact_title_period w
                on w.period_kind = 'week' and w.title_key = m.title_key
               and w.period_start + 6 >= m.period_start and w.period_start < (m.period_start + interval '1 month')::date
            where m.period_kind = 'month' and m.title_key between 2 and 12
            group by m.period_start, m.title_key
            having count(*) filter (where w.viewers < 11) = 1
            order by m.title_key, m.period_start
            limit 1
        ) x
        where m.period_kind = 'month' and m.period_start = x.period_start and m.title_key = x.title_key;

        -- The people of each title-period's days below 11 viewers: between the largest such day and
        -- their sum, as the engine counts them at a floor of 11.
        update analytics.fact_title_period p set small_day_viewers = x.small, small_day_below = 11
        from (
            select x.kind, x.start, coalesce(t.title_id, -1) as title_ref,
                   coalesce(greatest(max(f.viewers) filter (where f.viewers < 11), floor(sum(f.viewers) filter (where f.viewers < 11) * 0.9)::int), 0) as small
            from analytics.fact_title_daily f
            join analytics.dim_date d using (date_key)
            join analytics.dim_title t using (title_key)
            cross join lateral (values ('week', d.week_start), ('month', d.month_start)) x (kind, start)
            where f.viewers > 0
            group by 1, 2, 3
        ) x, analytics.dim_title t
        where t.title_key = p.title_key and x.kind = p.period_kind and x.start = p.period_start and x.title_ref = coalesce(t.title_id, -1);

        -- A title-period by one audience dimension at a time (title-periods at the storage floor):
        -- each value's segments summed, and the period's viewers shared out over the values in
        -- proportion to their segments' viewers, so that every viewer is in one value (as in real
        -- data, where a viewer has a device class, a region and an audience).
        insert into analytics.fact_title_period_breakdown
        select period_kind, period_start, title_key, dimension, value,
               share + case when rank = 1 then total - sum(share) over cell_group else 0 end, plays, completed_plays, watch_seconds
        from (
            select c.*, floor(c.total * c.segment_viewers::numeric / sum(c.segment_viewers) over cell_group)::int as share,
                   row_number() over (cell_group order by c.segment_viewers desc, c.value) as rank
            from (
                select p.period_kind, p.period_start, p.title_key, p.viewers as total, x.dimension, x.value,
                       sum(f.viewers) as segment_viewers, sum(f.plays) as plays, sum(f.completed_plays) as completed_plays,
                       sum(f.watch_seconds) as watch_seconds
                from analytics.fact_title_period p
                join analytics.dim_title tp on tp.title_key = p.title_key
                join analytics.dim_date d
                    on (p.period_kind = 'week' and d.week_start = p.period_start) or (p.period_kind = 'month' and d.month_start = p.period_start)
                join analytics.fact_title_daily_segment f on f.date_key = d.date_key
                join analytics.dim_title tf on tf.title_key = f.title_key and tf.title_id is not distinct from tp.title_id
                join analytics.dim_device dv on dv.device_key = f.device_key
                join analytics.dim_region r on r.region_key = f.region_key
                join analytics.dim_audience a on a.audience_key = f.audience_key
                cross join lateral (values ('device_class', dv.device_class), ('region', r.region), ('age_band', a.age_band),
                                           ('plan', a.plan), ('kids', case when a.is_kids then 'kids' else 'adults' end)) x (dimension, value)
                where p.viewers >= 11 and f.viewers > 0
                group by p.period_kind, p.period_start, p.title_key, p.viewers, x.dimension, x.value
            ) c
            window cell_group as (partition by c.period_kind, c.period_start, c.title_key, c.dimension)
        ) shared
        window cell_group as (partition by period_kind, period_start, title_key, dimension);

        -- Series and genre totals: at least the group's largest title, short of the sum; the people
        -- who watched only its titles below 11 viewers, some of theirs.
        insert into analytics.fact_group_period
        select p.period_kind, p.period_start, x.grouping, x.name, count(*), greatest(max(p.viewers), floor(sum(p.viewers) * 0.7)::int),
               sum(p.plays), sum(p.watch_seconds), count(*) filter (where p.viewers < 11),
               coalesce(floor(sum(p.viewers) filter (where p.viewers < 11) * 0.4)::int, 0), 11
        from analytics.fact_title_period p
        join analytics.dim_title t on t.title_key = p.title_key
        cross join lateral (values ('series', t.series_name), ('genre', t.genre)) x (grouping, name)
        where x.name is not null and p.viewers > 0
        group by p.period_kind, p.period_start, x.grouping, x.name;

        -- Planted for I3w on groups: the series Tides in November, whose last week (holding
        -- 2026-11-30) drops to 8 viewers, the weeks' audiences disjoint, so the month would pin
        -- that week to 8 to 10 people.
        update analytics.fact_group_period set viewers = 8
        where period_kind = 'week' and grouping = 'series' and name = 'Tides' and period_start = date '2026-11-30';
        update analytics.fact_group_period m set viewers = 8 + (
            select sum(w.viewers) from analytics.fact_group_period w
            where w.period_kind = 'week' and w.grouping = 'series' and w.name = 'Tides' and w.viewers >= 11
              and w.period_start + 6 >= date '2026-11-01' and w.period_start < date '2026-12-01')
        where m.period_kind = 'month' and m.grouping = 'series' and m.name = 'Tides' and m.period_start = date '2026-11-01';

        insert into analytics.fact_coviewing
        select a.period_kind, a.period_start, a.title_key, b.title_key, shared
        from analytics.fact_title_period a
        join analytics.fact_title_period b
            on b.period_kind = a.period_kind and b.period_start = a.period_start and a.title_key < b.title_key
        cross join lateral (
            select floor(least(a.viewers, b.viewers) * pg_temp.u(a.period_kind || a.period_start || a.title_key || '/' || b.title_key) ^ 2)::int as shared
        ) s
        where a.title_key <> -1 and shared > 0;

        -- Streaks from runs, so that they nest as real ones do (a run of n days ending on a day lies
        -- inside the shorter runs ending on its earlier days): per title, the people whose run of
        -- consecutive days is exactly [a, b], a few of the least-watched day in it, fewer the longer
        -- the run (together at most three quarters of any day's viewers).
        create temporary table runs as
        select f.title_key, d.full_date as a, d.full_date + g - 1 as b,
               floor(x.least * 0.05 * 0.7 ^ (g - 2) * pg_temp.u(f.title_key || '/' || d.full_date || '/' || g))::int as people
        from analytics.fact_title_daily f
        join analytics.dim_date d using (date_key)
        cross join generate_series(2, 30) g
        cross join lateral (
            select min(v.viewers) as least, count(*) as days
            from analytics.fact_title_daily v join analytics.dim_date vd using (date_key)
            where v.title_key = f.title_key and vd.full_date between d.full_date and d.full_date + g - 1
        ) x
        where f.title_key <> -1 and x.days = g;

        -- The planted week has no runs over two of its days.
        delete from runs r using planted_week w
        where r.title_key = w.title_key and greatest(r.a, w.week_start) < least(r.b, w.week_start + 6);

        -- The planted binge: as of 2026-12-24, exactly 53 people watched A Christmas Prince on each of the
        -- past 18 days, from runs ending that day of 2, 6, 10, 14, 18, 24 and 30 days; longer streaks
        -- have fewer people, shorter ones more, and no two of its counts (nor those of the days
        -- before, which hold only these runs) differ by 1 to 10.
        delete from runs where title_key = 1 and b >= date '2026-12-07';
        insert into runs
        select 1, date '2026-12-24' - l + 1, date '2026-12-24', people
        from (values (2, 30), (6, 12), (10, 12), (14, 12), (18, 20), (24, 18), (30, 15)) p(l, people);
        delete from runs where people = 0;
        -- Weekly Serial: in each week, the group on Monday, Thursday and Sunday but not Tuesday watched
        -- Monday-Tuesday and Thursday-Friday, and so on (runs of 2 days, 11 people each); December's
        -- 40 watched all of 1 to 6 December.
        delete from runs where title_key = 14;
        insert into runs
        select 14, w + x.a, w + x.a + 1, 11
        from unnest(array[date '2026-11-02', date '2026-11-09', date '2026-11-16']) w
        cross join unnest(array[0, 1, 2, 3, 4, 5]) x (a)
        union all
        select 14, date '2026-12-01', date '2026-12-06', 40;

        insert into analytics.fact_title_streak
        select d.date_key, r.title_key, n, sum(r.people)
        from runs r
        cross join generate_series(2, 30) n
        join analytics.dim_date d on d.full_date between r.a + n - 1 and r.b
        group by d.date_key, r.title_key, n;
        """
}

/// The SQL the analyst report tests judge the views with.
enum AnalystChecks {
    /// Run as the analyst: per report view, the rows that show a count of people below k or NULL,
    /// or a linked difference of 1 to k - 1 people, then all its rows.
    static let floor = """
        with k as (select k from report.settings)
        select 'title_daily' as view, count(*) filter (where coalesce(viewers < k.k, true) or plays is null), count(*)
        from report.title_daily, k
        union all
        select 'title_ratings', count(*) filter (where coalesce(raters < k.k, true) or thumbs_up is null or thumbs_down is null), count(*)
        from report.title_ratings, k
        union all
        select 'title_weekly', count(*) filter (where coalesce(viewers < k.k, true) or (plays is null) <> suppressed
                or (watch_hours is null) <> suppressed or days_covered not between 1 and 7), count(*)
        from report.title_weekly, k
        union all
        select 'title_monthly', count(*) filter (where coalesce(viewers < k.k, true) or (plays is null) <> suppressed
                or (watch_hours is null) <> suppressed or days_covered not between 1 and 31), count(*)
        from report.title_monthly, k
        union all
        select 'title_segments', count(*) filter (where coalesce(viewers < k.k, true) or plays is null or all_other <> (device_type is null)), count(*)
        from report.title_segments, k
        union all
        select 'title_breakdown', count(*) filter (where coalesce(viewers < k.k, true) or (plays is null) <> suppressed
                or all_other <> (value is null)), count(*)
        from report.title_breakdown, k
        union all
        select 'coviewing', count(*) filter (where coalesce(shared_viewers < k.k or viewers_a < k.k or viewers_b < k.k, true)
                or viewers_a - shared_viewers between 1 and k.k - 1 or viewers_b - shared_viewers between 1 and k.k - 1
                or jaccard is null), count(*)
        from report.coviewing, k
        union all
        select 'title_streaks', count(*) filter (where coalesce(viewers < k.k, true)), count(*)
        from report.title_streaks, k
        union all
        select 'titles', count(*) filter (where name is null or former_names is null), count(*)
        from report.titles
        union all
        select 'group_totals', count(*) filter (where coalesce(viewers < k.k, true) or (plays is null) <> suppressed
                or (watch_hours is null) <> suppressed), count(*)
        from report.group_totals, k
        order by 1;
        """

    /// Run as the superuser, who also reads the true counts: the differencing attack over every
    /// title-day (title_daily total minus the shown segments of title_segments), the all_other
    /// rows, the same attack against naive primary-only suppression as a control, and the
    /// periods-over-days check.
    static let attack = """
        with facts as (
            select d.full_date as day, t.title_id, dv.device_type, r.country_code, a.age_band, a.plan, a.is_kids,
                   f.viewers as truth, f.plays
            from analytics.fact_title_daily_segment f
            join analytics.dim_date d on d.date_key = f.date_key
            join analytics.dim_title t on t.title_key = f.title_key
            join analytics.dim_device dv on dv.device_key = f.device_key
            join analytics.dim_region r on r.region_key = f.region_key
            join analytics.dim_audience a on a.audience_key = f.audience_key
        ), cells as (
            select f.*, s.viewers as shown
            from facts f
            left join report.title_segments s
                on not s.all_other and s.day = f.day and s.title_id is not distinct from f.title_id and s.device_type = f.device_type
                and s.country_code = f.country_code and s.age_band = f.age_band and s.plan = f.plan and s.is_kids = f.is_kids
        ), others as (
            select day, title_id, count(*) as n, min(viewers) as viewers, min(plays) as plays
            from report.title_segments where all_other group by day, title_id
        ), title_days as (
            select c.day, c.title_id, td.viewers as total, count(*) as cells,
                count(*) filter (where c.shown is null) as hidden,
                coalesce(sum(c.shown), 0) as shown_sum,
                max(c.truth) filter (where c.shown is null) as hidden_truth,
                sum(c.plays) filter (where c.shown is null) as hidden_plays
            from cells c
            left join report.title_daily td on td.day = c.day and td.title_id is not distinct from c.title_id
            group by c.day, c.title_id, td.viewers
        )
        select
            (select count(*) from report.title_segments where not all_other) - (select count(*) from cells where shown is not null) as unmatched,
            count(*) filter (where hidden > 0 and total is not null) as attacked,
            count(*) filter (where hidden = 1 and total is not null and total - shown_sum = hidden_truth) as recovered,
            count(*) filter (where hidden = 1 and total is not null) as lone_hidden,
            count(*) filter (where hidden > 0 and total is not null and total - shown_sum < s.k) as small_residual,
            count(*) filter (where total is null and hidden < cells) as shown_under_hidden_total,
            count(*) filter (where hidden > 0 and total is not null
                and (o.n is distinct from 1 or o.viewers <> total - shown_sum or o.plays <> hidden_plays)) as wrong_all_other,
            count(*) filter (where (hidden = 0 or total is null) and o.n is not null) as stray_all_other,
            (select count(*)
             from (select f.date_key, f.title_key,
                          count(*) filter (where f.viewers < s.k) as hidden,
                          coalesce(sum(f.viewers) filter (where f.viewers >= s.k), 0) as shown_sum,
                          max(f.viewers) filter (where f.viewers < s.k) as hidden_truth
                   from analytics.fact_title_daily_segment f
                   group by f.date_key, f.title_key) n
             join analytics.fact_title_daily t on t.date_key = n.date_key and t.title_key = n.title_key
             where n.hidden = 1 and t.viewers >= s.k and t.viewers - n.shown_sum = n.hidden_truth) as naive_recovered,
            (select count(*) from report.title_weekly w
             join analytics.dim_date d on d.week_start = w.week_start
             join analytics.fact_title_daily f on f.date_key = d.date_key
             join analytics.dim_title t on t.title_key = f.title_key and t.title_id is not distinct from w.title_id
             where w.plays is not null and f.viewers < s.k)
            + (select count(*) from report.title_monthly m
               join analytics.dim_date d on d.month_start = m.month_start
               join analytics.fact_title_daily f on f.date_key = d.date_key
               join analytics.dim_title t on t.title_key = f.title_key and t.title_id is not distinct from m.title_id
               where m.plays is not null and f.viewers < s.k) as periods_over_hidden_days,
            (select count(*) from report.title_weekly where suppressed) as weeks_with_hidden_days
        from title_days
        left join others o on o.day = title_days.day and o.title_id is not distinct from title_days.title_id
        cross join report.settings s
        group by s.k;
        """

    /// Run as the superuser. I1 and I1b, the nested streak counts: two shown counts of one title,
    /// one holding the other's people (the same day's shorter run, its viewers as length 1, or a
    /// shorter run ending on an earlier day inside the other's run), that differ by 1 to k - 1;
    /// hidden lengths whose range between the shown counts around them is narrower than the
    /// protection level (also from rectangles of runs, I1r, whose other three counts are shown);
    /// rectangles of four shown counts of 1 to k - 1 people, and those there would be if every count
    /// of k or more were shown; and the lengths the rules hide although k or more people had them. I3,
    /// periods against days: for each shown week or month with hidden days, the attacker's range
    /// for a hidden day from the period's viewers less what the shown days and the shown 2-day
    /// streaks say the shown days hold; periods narrower than the protection level. I5, periods
    /// against the shown days and months that hold them: pairs that differ by 1 to k - 1. The
    /// stored periods that each rule would hide if every period of k or more viewers were shown,
    /// and the periods the rules hide. I6, series and genre totals: a shown group 1 to k - 1 above
    /// one of its shown title-periods, a genre above a series inside it, or a month above a week.
    /// I5 for breakdowns: a shown week's value 1 to k - 1 below the same value of its shown month.
    /// I4, plays over hidden days: periods that show plays although a day is hidden, those whose
    /// hidden days hold fewer than k people, and months that show such plays together with a week
    /// that overlaps them.
    static let identities = """
        with k as (select k, coalesce(protection, (k + 1) / 2) as p from report.settings),
        shown as materialized (
            select day as as_of, coalesce(title_id, -1) as ref, 1 as streak_days, viewers from report.title_daily
            union all
            select as_of, coalesce(title_id, -1), streak_days, viewers from report.title_streaks
        ), stored as materialized (
            select d.full_date as as_of, coalesce(t.title_id, -1) as ref, f.streak_days, f.viewers
            from analytics.fact_title_streak f
            join analytics.dim_date d on d.date_key = f.as_of_date_key
            join analytics.dim_title t on t.title_key = f.title_key
            union all
            select d.full_date, coalesce(t.title_id, -1), 1, f.viewers
            from analytics.fact_title_daily f
            join analytics.dim_date d on d.date_key = f.date_key
            join analytics.dim_title t on t.title_key = f.title_key
        ), hidden_lengths as (
            -- Each hidden streak count with the shown counts that bound it: the least shown count
            -- that holds its people (a shorter run ending on the same day or on one of its earlier
            -- days), and the greatest that its people hold (a longer run, the same day or later).
            -- Four counts around a rectangle of runs (see `rectangle`) bound each of them when the
            -- other three are shown: the two positive ones from below, the two negative ones from above.
            select st.viewers,
                least(
                    (select min(a.viewers) from shown a where a.ref = st.ref and \(holds("a", "st"))),
                    (select min(p.viewers + q.viewers - n2.viewers) from shown p, shown q, shown n2
                     where p.ref = st.ref and \(rectangle(p: "p", n1: "st", n2: "n2", q: "q"))),
                    (select min(p.viewers + q.viewers - n1.viewers) from shown p, shown q, shown n1
                     where p.ref = st.ref and \(rectangle(p: "p", n1: "n1", n2: "st", q: "q")))) as at_most,
                greatest(
                    (select max(b.viewers) from shown b where b.ref = st.ref and \(holds("st", "b"))),
                    (select max(n1.viewers + n2.viewers - p.viewers) from shown p, shown n1, shown n2
                     where p.ref = st.ref and \(rectangle(p: "p", n1: "n1", n2: "n2", q: "st"))),
                    (select max(n1.viewers + n2.viewers - q.viewers) from shown q, shown n1, shown n2
                     where q.ref = st.ref and \(rectangle(p: "st", n1: "n1", n2: "n2", q: "q"))),
                    -- and the people of two shown counts that it is the overlap of, less a shown count
                    -- holding both (an L shape).
                    (select max(n1.viewers + n2.viewers - c.viewers) from shown n1, shown n2, shown c
                     where n1.ref = st.ref and n2.ref = st.ref and c.ref = st.ref
                       and n2.as_of = st.as_of and n2.streak_days < st.streak_days
                       and n1.as_of < st.as_of and n1.as_of - n1.streak_days = st.as_of - st.streak_days
                       and c.as_of <= n1.as_of and c.as_of - c.streak_days >= n2.as_of - n2.streak_days)) as at_least
            from stored st
            where st.streak_days >= 2
              and not exists (select 1 from shown sh where sh.as_of = st.as_of and sh.ref = st.ref and sh.streak_days = st.streak_days)
        ), facts as (
            select d.full_date as day, coalesce(t.title_id, -1) as ref, f.viewers, x.kind, x.start,
                   case when x.kind = 'week' then date_trunc('week', d.full_date - 1)::date else date_trunc('month', d.full_date - 1)::date end as previous_start
            from analytics.fact_title_daily f
            join analytics.dim_date d on d.date_key = f.date_key
            join analytics.dim_title t on t.title_key = f.title_key
            cross join lateral (values ('week', d.week_start), ('month', d.month_start)) x (kind, start)
        ), periods as materialized (
            select f.kind, f.start, f.ref,
                count(*) filter (where sd.viewers is null) as hidden,
                -- the hidden days with a play (a day with ratings only has a row of 0 viewers)
                count(*) filter (where sd.viewers is null and f.viewers > 0) as hidden_played,
                count(sd.viewers) as shown_count,
                coalesce(sum(sd.viewers), 0) as shown_sum,
                coalesce(sum(sd.viewers), 0)
                    - coalesce(sum(s2.viewers) filter (where sd.viewers is not null and pd.viewers is not null and f.previous_start = f.start), 0) as shown_hold
            from facts f
            left join shown sd on sd.streak_days = 1 and sd.as_of = f.day and sd.ref = f.ref
            left join shown pd on pd.streak_days = 1 and pd.as_of = f.day - 1 and pd.ref = f.ref
            left join shown s2 on s2.streak_days = 2 and s2.as_of = f.day and s2.ref = f.ref
            group by f.kind, f.start, f.ref
        ), published as materialized (
            select 'week' as kind, week_start as start, coalesce(title_id, -1) as ref, viewers, plays from report.title_weekly
            union all
            select 'month', month_start, coalesce(title_id, -1), viewers, plays from report.title_monthly
        ), stored_periods as materialized (
            select p.period_kind as kind, p.period_start as start, coalesce(t.title_id, -1) as ref, p.viewers, p.small_day_viewers
            from analytics.fact_title_period p join analytics.dim_title t on t.title_key = p.title_key
        ), groups as materialized (
            select grouping, name, period as kind, period_start as start, viewers from report.group_totals
        ), grouped_titles as materialized (
            select distinct coalesce(title_id, -1) as ref, x.grouping, x.name, t.genre
            from analytics.dim_title t cross join lateral (values ('series', t.series_name), ('genre', t.genre)) x (grouping, name)
            where x.name is not null
        ), month_weeks as materialized (
            select m.start, m.ref,
                   coalesce(sum(w.viewers) filter (where w.viewers >= k.k), 0) as big,
                   count(*) filter (where w.viewers between 1 and k.k - 1) as small
            from stored_periods m cross join k
            join stored_periods w on w.kind = 'week' and w.ref = m.ref
                and w.start + 6 >= m.start and w.start < (m.start + interval '1 month')::date
            where m.kind = 'month'
            group by m.start, m.ref
        ), group_months as materialized (
            select m.grouping, m.name, m.period_start as start, m.viewers, k.k as k_k, k.p as k_p,
                   coalesce(sum(w.viewers) filter (where w.viewers >= k.k), 0) as big,
                   count(*) filter (where w.viewers between 1 and k.k - 1) as small
            from analytics.fact_group_period m cross join k
            join analytics.fact_group_period w on w.period_kind = 'week' and w.grouping = m.grouping and w.name = m.name
                and w.period_start + 6 >= m.period_start and w.period_start < (m.period_start + interval '1 month')::date
            where m.period_kind = 'month' and m.viewers >= k.k
            group by m.grouping, m.name, m.period_start, m.viewers, k.k, k.p
        ), month_cover as materialized (
            -- Per stored month of k or more viewers: what its weeks inside it (shown ones, or all of k
            -- or more) and its shown days outside them hold (less the shown 2-day streaks among
            -- those days), and its hidden days outside them (I3 with I3w).
            select m.start, m.ref, m.viewers, x.weeks_shown,
                   coalesce(sum(sd.viewers) filter (where x.weeks_shown and sw.ref is null), 0)
                       - coalesce(sum(s2.viewers) filter (where x.weeks_shown and sw.ref is null and pd.viewers is not null
                                                             and date_trunc('month', f.day - 1) = m.start), 0)
                       + coalesce(sum(sd.viewers) filter (where not x.weeks_shown and bw.ref is null), 0)
                       - coalesce(sum(s2.viewers) filter (where not x.weeks_shown and bw.ref is null and pd.viewers is not null
                                                             and date_trunc('month', f.day - 1) = m.start), 0) as days_hold,
                   count(*) filter (where sd.viewers is null and ((x.weeks_shown and sw.ref is null) or (not x.weeks_shown and bw.ref is null)))
                       as hidden_out,
                   max(case when x.weeks_shown then sw_sum.v else bw_sum.v end) as weeks_hold
            from stored_periods m
            cross join (values (true), (false)) x (weeks_shown)
            join facts f on f.kind = 'month' and f.start = m.start and f.ref = m.ref
            left join shown sd on sd.streak_days = 1 and sd.as_of = f.day and sd.ref = f.ref
            left join shown pd on pd.streak_days = 1 and pd.as_of = f.day - 1 and pd.ref = f.ref
            left join shown s2 on s2.streak_days = 2 and s2.as_of = f.day and s2.ref = f.ref and sd.viewers is not null
            left join published sw on sw.kind = 'week' and sw.ref = f.ref and sw.start = date_trunc('week', f.day)::date
                and date_trunc('month', sw.start) = m.start and date_trunc('month', sw.start + 6) = m.start
            left join stored_periods bw on bw.kind = 'week' and bw.ref = f.ref and bw.start = date_trunc('week', f.day)::date
                and bw.viewers >= (select k from k) and date_trunc('month', bw.start) = m.start and date_trunc('month', bw.start + 6) = m.start
            cross join lateral (
                select coalesce(sum(w.viewers), 0) as v from published w
                where w.kind = 'week' and w.ref = m.ref and date_trunc('month', w.start) = m.start and date_trunc('month', w.start + 6) = m.start
            ) sw_sum
            cross join lateral (
                select coalesce(sum(w.viewers), 0) as v from stored_periods w
                where w.kind = 'week' and w.ref = m.ref and w.viewers >= (select k from k)
                  and date_trunc('month', w.start) = m.start and date_trunc('month', w.start + 6) = m.start
            ) bw_sum
            where m.kind = 'month' and m.viewers >= (select k from k)
            group by m.start, m.ref, m.viewers, x.weeks_shown
        ), shown_unions as materialized (
            \(unions(of: "shown"))
        ), stored_unions as materialized (
            \(unions(of: "stored"))
        ), breakdown_rows as materialized (
            select *, coalesce(title_id, -1) as ref from report.title_breakdown
        ), smallest_shown_values as materialized (
            -- per title-period and dimension, the smallest shown value
            select period, period_start, ref, dimension, min(viewers) as smallest_shown from breakdown_rows
            where not all_other group by 1, 2, 3, 4
        ), segment_floors as materialized (
            -- per title-period, dimension and value: the most people its shown segments of one day
            -- hold (one segment a person)
            select x.kind, x.start, d.ref, d.dimension, d.value, max(d.viewers) as lower
            from (
                select sg.day, coalesce(sg.title_id, -1) as ref, v.dimension, v.value, sum(sg.viewers) as viewers
                from report.title_segments sg
                cross join lateral (values ('device_class', sg.device_class), ('region', sg.region), ('age_band', sg.age_band),
                                           ('plan', sg.plan), ('kids', case when sg.is_kids then 'kids' else 'adults' end)) v (dimension, value)
                where not sg.all_other
                group by 1, 2, 3, 4
            ) d
            cross join lateral (values ('week', date_trunc('week', d.day)::date), ('month', date_trunc('month', d.day)::date)) x (kind, start)
            group by 1, 2, 3, 4, 5
        ), segment_day_floors as materialized (
            -- the same from each shown segment's largest day in the period, summed over the segments
            -- of a value (one segment a person over the period): a higher bound
            select g.kind, g.start, g.ref, v.dimension, v.value, sum(g.most) as lower
            from (
                select x.kind, x.start, coalesce(sg.title_id, -1) as ref, sg.device_type, sg.device_class, sg.country_code, sg.region,
                       sg.age_band, sg.plan, sg.is_kids, max(sg.viewers) as most
                from report.title_segments sg
                cross join lateral (values ('week', date_trunc('week', sg.day)::date), ('month', date_trunc('month', sg.day)::date)) x (kind, start)
                where not sg.all_other
                group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            ) g
            cross join lateral (values ('device_class', g.device_class), ('region', g.region), ('age_band', g.age_band), ('plan', g.plan),
                                       ('kids', case when g.is_kids then 'kids' else 'adults' end)) v (dimension, value)
            group by 1, 2, 3, 4, 5
        ), hidden_values as materialized (
            -- the stored cells of each title-period and dimension with an all_other row that have
            -- no row of their own, with that row's viewers and the smallest shown value's
            select o.period, o.period_start, o.title_id, o.ref, o.dimension, b.value, b.viewers, o.viewers as all_other, g.smallest_shown
            from breakdown_rows o
            join analytics.dim_title bt on coalesce(bt.title_id, -1) = o.ref
            join analytics.fact_title_period_breakdown b on b.period_kind = o.period and b.period_start = o.period_start
                and b.dimension = o.dimension and b.title_key = bt.title_key
            left join breakdown_rows s on not s.all_other and s.period = o.period and s.period_start = o.period_start
                and s.ref = o.ref and s.dimension = o.dimension and s.value = b.value
            left join smallest_shown_values g on g.period = o.period and g.period_start = o.period_start and g.ref = o.ref
                and g.dimension = o.dimension
            where o.all_other and s.value is null
        ), hidden_value_bounds as materialized (
            -- an attacker told which hidden values are below k: each holds at least the all_other
            -- row less the others' upper bounds (k - 1 for one below k, the smallest shown value
            -- for a larger one that is not larger than it, as the rule hides the smallest first;
            -- with a larger one still, no bound), and at least its segments' bounds
            select h.period, h.period_start, h.title_id, h.ref, h.dimension, h.value, h.viewers, h.all_other,
                   h.smallest_shown is not null as any_shown,
                   greatest(case when bool_and(h2.viewers < k.k or coalesce(h2.viewers <= h2.smallest_shown, false))
                                          filter (where h2.value <> h.value) is not false
                                 then h.all_other - coalesce(sum(case when h2.viewers < k.k then k.k - 1 else h2.smallest_shown end)
                                                                 filter (where h2.value <> h.value), 0)
                                 else 0 end,
                            coalesce(min(f.lower), 0), coalesce(min(fd.lower), 0)) as lower,
                   greatest(coalesce(min(f.lower), 0), coalesce(min(fd.lower), 0)) as segment_lower
            from hidden_values h
            join hidden_values h2 on h2.period = h.period and h2.period_start = h.period_start and h2.ref = h.ref
                and h2.dimension = h.dimension
            cross join k
            left join segment_floors f on f.kind = h.period and f.start = h.period_start and f.ref = h.ref
                and f.dimension = h.dimension and f.value = h.value
            left join segment_day_floors fd on fd.kind = h.period and fd.start = h.period_start and fd.ref = h.ref
                and fd.dimension = h.dimension and fd.value = h.value
            group by h.period, h.period_start, h.title_id, h.ref, h.dimension, h.value, h.viewers, h.all_other, h.smallest_shown, k.k
        ), month_week_bounds as materialized (
            -- what an attacker knows of a month value's week cells (the weeks that overlap the
            -- month): the sum of the shown ones; the upper bounds of the hidden ones of k or more
            -- (the smallest shown value of that week's dimension, when not larger); how many hidden
            -- ones are below k; and whether a hidden one has no upper bound
            select x.start, w.ref, w.dimension, w.value,
                   coalesce(sum(w.viewers) filter (where w.shown), 0) as shown,
                   coalesce(sum(w.smallest_shown) filter (where not w.shown and w.viewers >= k.k), 0) as upper,
                   count(*) filter (where not w.shown and w.viewers < k.k) as small,
                   coalesce(bool_or(not w.shown and w.viewers >= k.k and coalesce(w.viewers > w.smallest_shown, true)), false) as unbounded
            from (
                select b.period_start, coalesce(t.title_id, -1) as ref, b.dimension, b.value, b.viewers, s.value is not null as shown,
                       g.smallest_shown
                from analytics.fact_title_period_breakdown b
                join analytics.dim_title t on t.title_key = b.title_key
                left join breakdown_rows s on not s.all_other and s.period = 'week' and s.period_start = b.period_start
                    and s.ref = coalesce(t.title_id, -1) and s.dimension = b.dimension and s.value = b.value
                left join smallest_shown_values g on g.period = 'week' and g.period_start = b.period_start
                    and g.ref = coalesce(t.title_id, -1) and g.dimension = b.dimension
                where b.period_kind = 'week'
            ) w
            cross join k
            cross join lateral (select distinct m from unnest(array[date_trunc('month', w.period_start)::date,
                                                                    date_trunc('month', w.period_start + 6)::date]) m) x (start)
            group by 1, 2, 3, 4
        ), month_unstored_weeks as materialized (
            -- per title and month, its weeks with 1 to k - 1 viewers and no cells (below the floor)
            select x.start, coalesce(t.title_id, -1) as ref, count(distinct p.period_start) as weeks
            from analytics.fact_title_period p
            join analytics.dim_title t on t.title_key = p.title_key
            cross join k
            cross join lateral (select distinct m from unnest(array[date_trunc('month', p.period_start)::date,
                                                                    date_trunc('month', p.period_start + 6)::date]) m) x (start)
            where p.period_kind = 'week' and p.viewers between 1 and k.k - 1
              and not exists (select 1 from analytics.fact_title_period_breakdown u
                              where u.period_kind = 'week' and u.period_start = p.period_start and u.title_key = p.title_key)
            group by 1, 2
        ), segment_rows as materialized (
            select *, coalesce(title_id, -1) as ref from report.title_segments
        ), hidden_segments as materialized (
            -- per title-day with an all_other row: its viewers, whether a segment is shown (where
            -- none is, the attacker cannot tell which hidden ones are below k), and the hidden
            -- segments' upper bounds added up as above (NULL when a larger one has none), when one
            -- of them is below k
            select x.day, x.ref, x.all_other, min(x.smallest_shown) is not null as any_shown,
                   case when bool_and(x.viewers < k.k or coalesce(x.viewers <= x.smallest_shown, false))
                        then sum(case when x.viewers < k.k then k.k - 1 else x.smallest_shown end) end as upper_sum
            from (
                select o.day, o.ref, o.viewers as all_other, f.viewers, g.smallest_shown
                from segment_rows o
                join analytics.dim_date d on d.full_date = o.day
                join analytics.dim_title t on coalesce(t.title_id, -1) = o.ref
                join analytics.fact_title_daily_segment f on f.date_key = d.date_key and f.title_key = t.title_key
                join analytics.dim_device dv on dv.device_key = f.device_key
                join analytics.dim_region rg on rg.region_key = f.region_key
                join analytics.dim_audience a on a.audience_key = f.audience_key
                left join segment_rows s on not s.all_other and s.day = o.day and s.ref = o.ref and s.device_type = dv.device_type
                    and s.country_code = rg.country_code and s.age_band = a.age_band and s.plan = a.plan and s.is_kids = a.is_kids
                left join (select day, ref, min(viewers) as smallest_shown from segment_rows where not all_other group by 1, 2) g
                    on g.day = o.day and g.ref = o.ref
                where o.all_other and s.day is null
            ) x
            cross join k
            group by x.day, x.ref, x.all_other, k.k
            having bool_or(x.viewers < k.k)
        ), primary_only_values as (
            -- per shown title-period and dimension with a value below k and one of k or more: the
            -- values below k, and the period's viewers less the others (the all_other row if only
            -- the values below k were hidden)
            select count(*) filter (where b.viewers < k.k) as small, min(p.viewers) - sum(b.viewers) filter (where b.viewers >= k.k) as all_other
            from analytics.fact_title_period_breakdown b
            join analytics.fact_title_period p on p.period_kind = b.period_kind and p.period_start = b.period_start and p.title_key = b.title_key
            join analytics.report_periods r on r.period_kind = b.period_kind and r.period_start = b.period_start and r.title_key = b.title_key
            cross join k
            group by b.period_kind, b.period_start, b.title_key, b.dimension
            having count(*) filter (where b.viewers < k.k) > 0 and count(*) filter (where b.viewers >= k.k) > 0
        ), primary_only_segments as (
            -- the same per shown title-day of segments
            select count(*) filter (where f.viewers < k.k) as small, min(t.viewers) - sum(f.viewers) filter (where f.viewers >= k.k) as all_other
            from analytics.fact_title_daily_segment f
            join analytics.fact_title_daily t on t.date_key = f.date_key and t.title_key = f.title_key
            cross join k
            where t.viewers >= k.k
            group by f.date_key, f.title_key
            having count(*) filter (where f.viewers < k.k) > 0 and count(*) filter (where f.viewers >= k.k) > 0
        ), shown_stairs as materialized (
            \(staircases(of: "shown"))
        ), stored_stairs as (
            -- not materialized: the check below stops at the first one
            \(staircases(of: "stored"))
        ), judged as materialized (
            -- Each stored title-period of k or more people: whether publishing it would narrow a
            -- hidden day (I3), pin its people on two days or more between 1 and k - 1 to fewer than
            -- p values for an attacker who knows which days held nobody (I3m: each of the other
            -- people has one day, so they are at least the days' extra viewers over the days less
            -- one, and at most those extra viewers, a hidden day holding 1 to k - 1), or leave 1 to
            -- k - 1 people against a shown day it holds or, for a week, against a shown month that
            -- holds it (I5).
            select w.kind, w.start, w.ref,
                x.shown_count + x.hidden_played >= 2
                    and ceil(greatest(0, x.shown_sum + x.hidden_played - w.viewers)::numeric / (x.shown_count + x.hidden_played - 1)) >= 1
                    and x.shown_sum + x.hidden_played * (k.k - 1) - w.viewers <= k.k - 1
                    and x.shown_sum + x.hidden_played * (k.k - 1) - w.viewers
                        - ceil(greatest(0, x.shown_sum + x.hidden_played - w.viewers)::numeric / (x.shown_count + x.hidden_played - 1)) + 1 < k.p
                    as repeaters,
                x.hidden > 0 and (k.k - 1) - greatest(0, w.viewers - x.shown_hold - (x.hidden - 1) * (k.k - 1)) + 1 < k.p as narrow,
                coalesce(mw.small > 0 and (k.k - 1) - greatest(0, w.viewers - mw.big - (mw.small - 1) * (k.k - 1)) + 1 < k.p, false)
                    or coalesce(mc.hidden_out > 0
                                and (k.k - 1) - greatest(0, w.viewers - mc.weeks_hold - mc.days_hold - (mc.hidden_out - 1) * (k.k - 1)) + 1 < k.p,
                                false)
                    as narrow_by_weeks,
                exists (select 1 from shown d where d.streak_days = 1 and d.ref = w.ref
                            and d.as_of between w.start and case when w.kind = 'week' then w.start + 6 else (w.start + interval '1 month')::date - 1 end
                            and w.viewers - d.viewers between 1 and k.k - 1)
                or exists (select 1 from stored_unions u where u.kind = w.kind and u.start = w.start and u.ref = w.ref
                               and u.n1 >= k.k and u.n2 >= k.k and u.q >= k.k and w.viewers - (u.n1 + u.n2 - u.q) between 1 and k.k - 1)
                or (w.kind = 'week' and exists (select 1 from published m where m.kind = 'month' and m.ref = w.ref
                            and w.start >= m.start and w.start + 6 < (m.start + interval '1 month')::date
                            and m.viewers - w.viewers between 1 and k.k - 1)) as nested
            from stored_periods w
            join periods x on x.kind = w.kind and x.start = w.start and x.ref = w.ref
            left join month_weeks mw on w.kind = 'month' and mw.start = w.start and mw.ref = w.ref
            left join month_cover mc on w.kind = 'month' and mc.start = w.start and mc.ref = w.ref and not mc.weeks_shown
            cross join k
            where w.viewers >= k.k
        ), plays_over_hidden as (
            select x.kind, x.start, x.ref, s.small_day_viewers
            from periods x
            join published w on w.kind = x.kind and w.start = x.start and w.ref = x.ref
            join stored_periods s on s.kind = x.kind and s.start = x.start and s.ref = x.ref
            where x.hidden > 0 and w.plays is not null
        )
        select
            (select count(*) from shown a join shown b on b.ref = a.ref and \(holds("a", "b")) cross join k
             where a.viewers - b.viewers between 1 and k.k - 1) as close_lengths,
            (select count(*) from groups g join grouped_titles gt on gt.grouping = g.grouping and gt.name = g.name
                 join published w on w.kind = g.kind and w.start = g.start and w.ref = gt.ref cross join k
             where g.viewers - w.viewers between 1 and k.k - 1)
            + (select count(*) from groups g join grouped_titles gt on gt.grouping = g.grouping and gt.name = g.name
                   join shown_unions u on u.kind = g.kind and u.start = g.start and u.ref = gt.ref cross join k
               where g.viewers - (u.n1 + u.n2 - u.q) between 1 and k.k - 1)
            + (select count(*) from groups g join groups o
                   on (g.grouping = 'series' and o.grouping = 'genre' and o.kind = g.kind and o.start = g.start
                       and not exists (select 1 from grouped_titles gt where gt.grouping = 'series' and gt.name = g.name and gt.genre is distinct from o.name))
                   or (g.kind = 'week' and o.kind = 'month' and o.grouping = g.grouping and o.name = g.name
                       and g.start >= o.start and g.start + 6 < (o.start + interval '1 month')::date)
               cross join k where o.viewers - g.viewers between 1 and k.k - 1)
            + (select count(*) from groups g join grouped_titles gt on gt.grouping = g.grouping and gt.name = g.name
                   join published w on g.kind = 'month' and w.kind = 'week' and w.ref = gt.ref
                       and date_trunc('month', w.start)::date = g.start and date_trunc('month', w.start + 6)::date = g.start
               cross join k where g.viewers - w.viewers between 1 and k.k - 1)
            + (select count(*) from groups g join groups o
                   on g.grouping = 'series' and g.kind = 'week' and o.grouping = 'genre' and o.kind = 'month'
                  and o.start = date_trunc('month', g.start)::date and date_trunc('month', g.start + 6)::date = o.start
                  and not exists (select 1 from grouped_titles gt where gt.grouping = 'series' and gt.name = g.name and gt.genre is distinct from o.name)
               cross join k where o.viewers - g.viewers between 1 and k.k - 1) as close_groups,
            (select count(*) from groups) as groups_shown,
            (select count(*) from group_months where small > 0 and (k_k - 1) - greatest(0, viewers - big - (small - 1) * (k_k - 1)) + 1 < k_p)
                as group_months_narrow_if_shown,
            (select count(*) from group_months gm join groups g on g.grouping = gm.grouping and g.name = gm.name and g.kind = 'month'
                 and g.start = gm.start
             where gm.small > 0 and (gm.k_k - 1) - greatest(0, gm.viewers - gm.big - (gm.small - 1) * (gm.k_k - 1)) + 1 < gm.k_p)
                as narrow_group_months,
            (select count(*) from groups g join grouped_titles gt on gt.grouping = g.grouping and gt.name = g.name
                 join stored_periods w on w.kind = g.kind and w.start = g.start and w.ref = gt.ref cross join k
             where w.viewers >= k.k
               and not exists (select 1 from published p where p.kind = w.kind and p.start = w.start and p.ref = w.ref)) as groups_over_hidden_titles,
            (select count(*) from report.coviewing c
             where not exists (select 1 from published p where p.kind = c.period and p.start = c.period_start
                                   and p.ref = coalesce(c.title_a_id, -1) and p.viewers = c.viewers_a)) as pairs_of_hidden_periods,
            (select count(*) from published w join shown_unions u on u.kind = w.kind and u.start = w.start and u.ref = w.ref cross join k
             where w.viewers - (u.n1 + u.n2 - u.q) between 1 and k.k - 1)
            + (select count(*) from published w join shown d on d.streak_days = 1 and d.ref = w.ref
                 and d.as_of between w.start and case when w.kind = 'week' then w.start + 6 else (w.start + interval '1 month')::date - 1 end
             cross join k where w.viewers - d.viewers between 1 and k.k - 1)
            + (select count(*) from published m join published w on m.kind = 'month' and w.kind = 'week' and w.ref = m.ref
                   and w.start >= m.start and w.start + 6 < (m.start + interval '1 month')::date
               cross join k where m.viewers - w.viewers between 1 and k.k - 1) as close_periods,
            (select count(*) from hidden_lengths, k where at_most is not null and at_most - coalesce(at_least, 0) + 1 < k.p) as narrow_lengths,
            (select count(*) from hidden_lengths, k where viewers >= k.k) as lengths_hidden_by_rule,
            (select count(*) from shown p, shown n1, shown n2, shown q, k
             where p.ref = q.ref and \(rectangle(p: "p", n1: "n1", n2: "n2", q: "q"))
               and p.viewers - n1.viewers - n2.viewers + q.viewers between 1 and k.k - 1) as close_rectangles,
            (select count(*) from shown q, shown n1, shown n2, shown c, k
             where n1.ref = q.ref and n2.ref = q.ref and c.ref = q.ref
               and n2.as_of = q.as_of and n2.streak_days < q.streak_days
               and n1.as_of < q.as_of and n1.as_of - n1.streak_days = q.as_of - q.streak_days
               and c.as_of <= n1.as_of and c.as_of - c.streak_days >= n2.as_of - n2.streak_days
               and c.viewers - n1.viewers - n2.viewers + q.viewers between 1 and k.k - 1) as close_l_shapes,
            (select count(*) from report.title_breakdown w
             join report.title_breakdown m on m.period = 'month' and w.period = 'week' and not m.all_other and not w.all_other
                 and m.title_id is not distinct from w.title_id and m.dimension = w.dimension and m.value = w.value
                 and w.period_start >= m.period_start and w.period_start + 6 < (m.period_start + interval '1 month')::date
             cross join k where m.viewers - w.viewers between 1 and k.k - 1) as close_breakdowns,
            -- a shown week's value whose month (shown) hides that value: with the month's all_other
            -- row, it squeezes the hidden month cell from above
            (select count(*) from report.title_breakdown w
             join report.title_monthly mp on mp.title_id is not distinct from w.title_id and mp.month_start = date_trunc('month', w.period_start)::date
             where w.period = 'week' and not w.all_other and date_trunc('month', w.period_start + 6) = date_trunc('month', w.period_start)
               and not exists (select 1 from report.title_breakdown m where m.period = 'month' and not m.all_other
                                   and m.period_start = mp.month_start and m.title_id is not distinct from w.title_id
                                   and m.dimension = w.dimension and m.value = w.value)) as weeks_over_hidden_month_cells,
            -- and a week's all_other row against the month's cells of the values it holds, when the
            -- month shows all of its values (exact where each person has one value, as for kids)
            (select count(*) from (select 1 from report.title_breakdown o
             join report.title_breakdown mt on mt.period = 'month' and mt.all_other is false and o.period = 'week' and o.all_other
                 and mt.title_id is not distinct from o.title_id and mt.dimension = o.dimension
                 and o.period_start >= mt.period_start and o.period_start + 6 < (mt.period_start + interval '1 month')::date
             cross join k
             where not exists (select 1 from report.title_breakdown mo where mo.period = 'month' and mo.all_other and mo.period_start = mt.period_start
                                   and mo.title_id is not distinct from mt.title_id and mo.dimension = mt.dimension)
             group by o.period_start, o.title_id, o.dimension, o.viewers, k.k
             having coalesce(sum(mt.viewers) filter (where not exists (
                        select 1 from report.title_breakdown ws where ws.period = 'week' and not ws.all_other and ws.period_start = o.period_start
                            and ws.title_id is not distinct from o.title_id and ws.dimension = o.dimension and ws.value = mt.value)), 0)
                    - o.viewers between 1 and k.k - 1) r) as close_breakdown_residuals,
            -- I3w for breakdowns: a month's value less the same value's week cells of k or more
            -- viewers (as if all were shown) is at least the people of its week cells below k
            -- together; the range it leaves one of them, shown month cells and stored ones of the
            -- months title_monthly shows
            (select count(*) from report.title_breakdown m cross join k
             cross join lateral (\(weekCells(of: "m", k: "k"))) x
             where m.period = 'month' and not m.all_other and x.small > 0
               and (k.k - 1) - greatest(0, m.viewers - x.big - (x.small - 1) * (k.k - 1)) + 1 < k.p) as narrow_breakdown_months,
            (select count(*) from analytics.fact_title_period_breakdown b
             join analytics.dim_title t on t.title_key = b.title_key
             join report.title_monthly mp on mp.month_start = b.period_start and mp.title_id is not distinct from t.title_id
             cross join k
             cross join lateral (select t.title_id, b.dimension, b.value, b.period_start) m
             cross join lateral (\(weekCells(of: "m", k: "k"))) x
             where b.period_kind = 'month' and b.viewers >= k.k and x.small > 0
               and (k.k - 1) - greatest(0, b.viewers - x.big - (x.small - 1) * (k.k - 1)) + 1 < k.p) as breakdown_months_narrow_if_shown,
            -- the same from a hidden month cell's lower bounds, less the week cells as an attacker
            -- knows them: the shown ones, and the upper bounds of the hidden ones (an empty range
            -- tells the attacker that a bound's assumption is wrong, and narrows nothing)
            (select count(*) from hidden_value_bounds m cross join k
             join month_week_bounds x on x.start = m.period_start and x.ref = m.ref and x.dimension = m.dimension and x.value = m.value
             left join month_unstored_weeks u on u.start = m.period_start and u.ref = m.ref
             where m.period = 'month' and x.small + coalesce(u.weeks, 0) > 0 and not x.unbounded
               and (k.k - 1) - greatest(0, m.lower - x.shown - x.upper - (x.small + coalesce(u.weeks, 0) - 1) * (k.k - 1)) + 1
                   between 1 and k.p - 1) as narrow_by_hidden_months,
            -- a hidden value's own range from those bounds, where the rule could have hidden one more
            -- value (a value row is shown), and where every value of the dimension is hidden
            (select count(*) from hidden_value_bounds h cross join k
             where h.viewers < k.k and (k.k - 1) - greatest(1, h.lower) + 1 between 1 and k.p - 1 and h.any_shown) as narrow_hidden_values,
            (select count(*) from hidden_value_bounds h cross join k
             where h.viewers < k.k and (k.k - 1) - greatest(1, h.lower) + 1 between 1 and k.p - 1 and not h.any_shown)
                as narrow_hidden_values_all_hidden,
            (select count(*) from primary_only_values, k
             where all_other >= k.k and all_other - (small - 1) * (k.k - 1) > k.k - k.p) as narrow_values_if_primary_only,
            -- the same for a title-day's hidden segments (they hold at least the all_other row's
            -- viewers, and more where people are in two segments)
            (select count(*) from hidden_segments h cross join k
             where h.any_shown and h.all_other - h.upper_sum > 1 - k.p) as narrow_hidden_segments,
            (select count(*) from primary_only_segments, k
             where all_other >= k.k and all_other - (small - 1) * (k.k - 1) > k.k - k.p) as narrow_segments_if_primary_only,
            (select count(*) from hidden_value_bounds where segment_lower > 0) as hidden_values_with_segment_floors,
            -- staircases: three streak counts that share a day, less their two overlaps, are their
            -- union; a count, period or group that holds it, less it, is its people on none
            (select count(*) from shown_stairs t join shown c on c.ref = t.ref and c.as_of <= t.last_common
                 and c.as_of - c.streak_days + 1 >= t.first_common cross join k
             where c.viewers - t.people between 1 and k.k - 1)
            + (select count(*) from shown_stairs t join published w on w.ref = t.ref and w.start <= t.last_common
                   and t.first_common < case when w.kind = 'week' then w.start + 7 else (w.start + interval '1 month')::date end
               cross join k where w.viewers - t.people between 1 and k.k - 1)
            + (select count(*) from shown_stairs t join grouped_titles gt on gt.ref = t.ref
                   join groups g on g.grouping = gt.grouping and g.name = gt.name and g.start <= t.last_common
                       and t.first_common < case when g.kind = 'week' then g.start + 7 else (g.start + interval '1 month')::date end
               cross join k where g.viewers - t.people between 1 and k.k - 1) as close_staircases,
            (select count(*) from shown_stairs) as staircases_shown,
            -- a title-period's hidden values of a dimension: each holds at least its shown segments
            -- of one day (or, with the second bound, the sum of its shown segments' largest days),
            -- and together (one value a person) its all_other row. A range of no values (bounds
            -- above the all_other row) tells the attacker that the assumption is wrong, and narrows
            -- nothing.
            (select count(*) from (
                select o.viewers as residual, sum(coalesce(f.lower, 0)) as lower_sum, sum(coalesce(fd.lower, 0)) as day_lower_sum,
                       -- an attacker who mixes the bounds value by value, at best: the higher of
                       -- the two that does not exceed the value
                       sum(greatest(case when f.lower <= b.viewers then f.lower else 0 end,
                                    case when fd.lower <= b.viewers then fd.lower else 0 end)) as mixed_lower_sum,
                       -- and, told which hidden values are below k, at least 1 for those and k for
                       -- the others
                       sum(greatest(case when f.lower <= b.viewers then f.lower else 0 end,
                                    case when fd.lower <= b.viewers then fd.lower else 0 end,
                                    case when b.viewers < (select k from k) then 1 else (select k from k) end)) as told_lower_sum,
                       exists (select 1 from breakdown_rows s where not s.all_other and s.period = o.period and s.period_start = o.period_start
                                   and s.title_id is not distinct from o.title_id and s.dimension = o.dimension) as any_shown
                from breakdown_rows o
                join analytics.fact_title_period_breakdown b on b.period_kind = o.period and b.period_start = o.period_start
                    and b.dimension = o.dimension
                join analytics.dim_title bt on bt.title_key = b.title_key and bt.title_id is not distinct from o.title_id
                left join segment_floors f on f.kind = o.period and f.start = o.period_start and f.ref = coalesce(o.title_id, -1)
                    and f.dimension = o.dimension and f.value = b.value
                left join segment_day_floors fd on fd.kind = o.period and fd.start = o.period_start and fd.ref = coalesce(o.title_id, -1)
                    and fd.dimension = o.dimension and fd.value = b.value
                where o.all_other
                  and not exists (select 1 from breakdown_rows s where not s.all_other and s.period = o.period
                                      and s.period_start = o.period_start and s.title_id is not distinct from o.title_id
                                      and s.dimension = o.dimension and s.value = b.value)
                group by o.period, o.period_start, o.title_id, o.dimension, o.viewers) x, k
             where (x.lower_sum > 0 and x.residual - x.lower_sum + 1 between 1 and k.p - 1)
                or (x.day_lower_sum > 0 and x.residual - x.day_lower_sum + 1 between 1 and k.p - 1)
                or (x.mixed_lower_sum > 0 and x.residual - x.mixed_lower_sum + 1 between 1 and k.p - 1)
                -- (where every value is hidden, the attacker cannot tell which are below k)
                or (x.any_shown and x.residual - x.told_lower_sum + 1 between 1 and k.p - 1)) as breakdowns_narrowed_by_segments,
            (select count(*) from (
                select 1 from stored_stairs t join stored c on c.ref = t.ref and c.as_of <= t.last_common
                    and c.as_of - c.streak_days + 1 >= t.first_common cross join k
                where c.viewers >= k.k and c.viewers - t.people between 1 and k.k - 1 limit 1) x) as close_staircases_if_all_shown,
            (select count(*) from stored p, stored n1, stored n2, stored q, k
             where p.ref = q.ref and \(rectangle(p: "p", n1: "n1", n2: "n2", q: "q")) and q.viewers >= k.k
               and p.viewers - n1.viewers - n2.viewers + q.viewers between 1 and k.k - 1) as close_rectangles_if_all_shown,
            (select count(*) from periods x join published w on w.kind = x.kind and w.start = x.start and w.ref = x.ref
             cross join k
             where x.hidden > 0
               and (k.k - 1) - greatest(0, w.viewers - x.shown_hold - (x.hidden - 1) * (k.k - 1)) + 1 < k.p) as narrow_periods,
            (select count(*) from periods x join published w on w.kind = x.kind and w.start = x.start and w.ref = x.ref
             where x.hidden > 0) as periods_with_hidden_days,
            (select count(*) from judged where narrow) as narrow_if_all_shown,
            (select count(*) from judged where nested) as nested_if_all_shown,
            (select count(*) from judged where narrow_by_weeks) as narrow_by_weeks_if_all_shown,
            (select count(*) from judged where narrow or nested or narrow_by_weeks or repeaters) as hidden_if_all_shown,
            (select count(*) from published w join month_weeks mw on w.kind = 'month' and mw.start = w.start and mw.ref = w.ref
             cross join k
             where mw.small > 0 and (k.k - 1) - greatest(0, w.viewers - mw.big - (mw.small - 1) * (k.k - 1)) + 1 < k.p) as narrow_months,
            (select count(*) from month_cover mc join published w on w.kind = 'month' and w.start = mc.start and w.ref = mc.ref cross join k
             where mc.weeks_shown and mc.hidden_out > 0
               and (k.k - 1) - greatest(0, mc.viewers - mc.weeks_hold - mc.days_hold - (mc.hidden_out - 1) * (k.k - 1)) + 1 < k.p)
                as narrow_months_by_weeks_and_days,
            (select count(*) from month_cover mc cross join k
             where not mc.weeks_shown and mc.hidden_out > 0
               and (k.k - 1) - greatest(0, mc.viewers - mc.weeks_hold - mc.days_hold - (mc.hidden_out - 1) * (k.k - 1)) + 1 < k.p)
                as months_narrow_by_weeks_and_days_if_shown,
            (select count(*) from plays_over_hidden) as plays_over_hidden_days,
            (select count(*) from plays_over_hidden, k where small_day_viewers < k.k) as plays_of_fewer_than_k,
            (select count(*) from plays_over_hidden m join plays_over_hidden w on w.kind = 'week' and w.ref = m.ref
                 and w.start between m.start - 6 and (m.start + interval '1 month')::date - 1
             where m.kind = 'month') as months_over_weeks,
            (select count(*) from stored_periods x cross join k
             where x.viewers >= k.k and not exists (
                 select 1 from published w where w.kind = x.kind and w.start = x.start and w.ref = x.ref)) as periods_hidden_by_rule
        """

    /// Run as the superuser. I2 through third titles: each hidden pair of two shown title-periods,
    /// bounded by the shown pairs of A and B with third titles. Through one title C whose pairs
    /// with both are shown, the people of A and B number at least AC + BC - C and at most
    /// A - AC + BC (those of A outside C, and those of C in B), or B - BC + AC. Through two titles C
    /// and D whose five other pairs (AC, AD, BC, BD, CD) are shown, the bounds are those of a
    /// linear program over the people of each pattern of the four titles (`TwoThirds`). The
    /// planted cross-group pair of `NightlyLoadTests.threeTitleGroups` is narrowed only by two
    /// thirds: A and B both inside C, so AB >= AD + BD - CD. Bounds are intersected over every
    /// third and every two thirds.
    /// Counts added up from people always lie within them; the generated test dataset's need not
    /// (its pairs are not made from people), and a pair outside them narrows nothing.
    /// A missing pair says something too, to an attacker who knows I2 and I5p: its people are fewer
    /// than k, or leave 1 to k - 1 people of a title outside it, or (a week's pair) are 1 to k - 1
    /// below the shown pair of the month holding the week, or I2t held it back. For a pair that I2
    /// or I5p hides and a couple below the floor, the values left within the bounds are counted
    /// among the first three kinds; a pair held back keeps them all (whether I2t would hold it at another value
    /// turns on the hidden counts it protects). A pair is narrow when fewer than p are left, p
    /// taken as k - 1 when it is more: a pair that I2 hides keeps only its titles' band values (k - 1,
    /// up to k for titles fewer than k apart) once a lower bound passes k - 1 (docs/analysts.md, I2t).
    /// A week's pair is at most the shown pair of the month that holds the week, and a month's at
    /// least the shown pair of each week inside it: both bound a hidden pair too.
    /// `close_nested_pairs` counts the shown pairs of a week inside a month 1 to k - 1 below the
    /// same titles' shown pair of the month (I5p).
    /// `shown` is the shown pairs, in both orders, with report.coviewing's columns period,
    /// period_start, title_a_id, title_b_id and shared_viewers: by default the view's own;
    /// `i2Alone` those that I2 alone would show, before I2t hides any.
    /// With `unstored`, the hidden pairs are instead the couples of two shown title-periods that
    /// store no pair (fewer people than the floor) of which one title's people all lie in a third
    /// whose pairs with both are shown, or whose lower bound through one third (every third) or
    /// two (where one of its expressions can reach it) is k - p + 1 or more, each with its people
    /// counted from the loader's private activity: the only couples below k that these bounds can
    /// narrow below the protection level (`LinearProgramTests`, "a couple of titles below k ...",
    /// both tests). Retention and erasure remove activity, so
    /// that count holds for periods younger than `etl.settings.retention_days` without erasures,
    /// as in the fixtures and the demo.
    static func pairs(shown: String = "report.coviewing", unstored: Bool = false) -> String {
        """
        with k as (select k, least(coalesce(protection, (k + 1) / 2), k - 1) as p from report.settings),
        published as materialized (
            select 'week' as kind, week_start as start, coalesce(title_id, -1) as ref, viewers from report.title_weekly
            union all
            select 'month', month_start, coalesce(title_id, -1), viewers from report.title_monthly
        ), shown_pairs as materialized (
            -- Every shown pair in both orders (coviewing lists both), by title.
            select period as kind, period_start as start, coalesce(title_a_id, -1) as a, coalesce(title_b_id, -1) as b,
                   shared_viewers as shared
            from \(shown) s
        )\(unstored ? unstoredThirds : ""), hidden_pairs as materialized (
            \(unstored ? unstoredCouples : "-- The stored pairs of two shown title-periods that coviewing hides.")
            select v.period_kind as kind, v.period_start as start, v.shared_viewers as shared, pa.ref as a, pb.ref as b,
                   pa.viewers as va, pb.viewers as vb
            from analytics.fact_coviewing v
            join analytics.dim_title ta on ta.title_key = v.title_a_key
            join analytics.dim_title tb on tb.title_key = v.title_b_key
            join published pa on pa.kind = v.period_kind and pa.start = v.period_start and pa.ref = coalesce(ta.title_id, -1)
            join published pb on pb.kind = v.period_kind and pb.start = v.period_start and pb.ref = coalesce(tb.title_id, -1)
            where not exists (select 1 from shown_pairs s where s.kind = pa.kind and s.start = pa.start and s.a = pa.ref and s.b = pb.ref)
              and not \(unstored)
        ), thirds as materialized (
            -- Each hidden pair with each third title C whose pairs with A and B are both shown.
            select h.kind, h.start, h.a, h.b, h.shared, h.va, h.vb, ac.b as c, ac.shared as ac, bc.shared as bc, c.viewers as vc
            from hidden_pairs h
            join shown_pairs ac on ac.kind = h.kind and ac.start = h.start and ac.a = h.a
            join shown_pairs bc on bc.kind = h.kind and bc.start = h.start and bc.a = h.b and bc.b = ac.b
            join published c on c.kind = ac.kind and c.start = ac.start and c.ref = ac.b
        ), one as materialized (
            select kind, start, a, b, shared, va, vb,
                   greatest(0, max(ac + bc - vc)) as least_shared,
                   least(va, vb, min(va - ac + bc), min(vb - bc + ac)) as most_shared
            from thirds
            group by kind, start, a, b, shared, va, vb
        ), two as materialized (
            -- C and D, two thirds of one hidden pair whose own pair is shown.
            select c.kind, c.start, c.a, c.b, count(*) as couples,
                   max(greatest(\(TwoThirds.sql(TwoThirds.least)))) as least_shared,
                   min(least(\(TwoThirds.sql(TwoThirds.most)))) as most_shared
            from thirds c
            join shown_pairs cd on cd.kind = c.kind and cd.start = c.start and cd.a = c.c and cd.b > c.c
            join thirds d on d.kind = c.kind and d.start = c.start and d.a = c.a and d.b = c.b and d.c = cd.b
            group by c.kind, c.start, c.a, c.b
        ), week_floors as materialized (
            -- The largest shown pair of a week inside each month: the month's pair is at least it.
            select date_trunc('month', start)::date as start, a, b, max(shared) as shared
            from shown_pairs
            where kind = 'week' and date_trunc('month', start + 6) = date_trunc('month', start)
            group by 1, a, b
        ), bounds as (
            -- A week's pair is at most the shown pair of the month that holds the week, and a
            -- month's at least its weeks' (greatest and least ignore NULL).
            select o.kind, o.start, o.a, o.b, o.shared, t.couples, o.va, o.vb, m.shared as m,
                   greatest(o.least_shared, t.least_shared, f.shared) as least_shared,
                   least(o.most_shared, t.most_shared, m.shared) as most_shared,
                   greatest(o.least_shared, f.shared) as one_least, least(o.most_shared, m.shared) as one_most
            from one o
            left join two t using (kind, start, a, b)
            left join shown_pairs m
                on o.kind = 'week' and date_trunc('month', o.start + 6) = date_trunc('month', o.start)
               and m.kind = 'month' and m.start = date_trunc('month', o.start)::date and m.a = o.a and m.b = o.b
            left join week_floors f on o.kind = 'month' and f.start = o.start and f.a = o.a and f.b = o.b
        ), possible as (
            -- The values left within the bounds that a missing pair may take: all of them for a
            -- pair that I2 and I5p would show (held back by I2t); for a week's pair, I5p's among
            -- them, 1 to k - 1 below the shown pair of the month that holds the week.
            select b.*,
                   k.p as enough,
                   (select count(*) from generate_series(b.least_shared, b.most_shared) v
                    where i.shows or v < k.k or b.va - v between 1 and k.k - 1 or b.vb - v between 1 and k.k - 1
                          or b.m - v between 1 and k.k - 1) as values_left,
                   (select count(*) from generate_series(b.one_least, b.one_most) v
                    where i.shows or v < k.k or b.va - v between 1 and k.k - 1 or b.vb - v between 1 and k.k - 1
                          or b.m - v between 1 and k.k - 1) as one_values_left
            from bounds b
            cross join k
            cross join lateral (select b.shared >= k.k and (b.va = b.shared or b.va - b.shared >= k.k)
                                       and (b.vb = b.shared or b.vb - b.shared >= k.k)
                                       and not coalesce(b.m - b.shared between 1 and k.k - 1, false) as shows) i
        )
        select
            count(*) as pairs_with_thirds,
            count(couples) as pairs_with_two_thirds,
            count(*) filter (where shared between least_shared and most_shared and values_left < enough) as narrow_pairs_by_thirds,
            count(*) filter (where shared between one_least and one_most and one_values_left < enough) as narrow_pairs_by_one_third,
            count(*) filter (where shared not between least_shared and most_shared) as pairs_outside_thirds,
            coalesce(min(values_left) filter (where shared between least_shared and most_shared), 0) as narrowest_pair_values,
            (select count(*) from shown_pairs w
             join shown_pairs m on m.kind = 'month' and m.start = date_trunc('month', w.start)::date and m.a = w.a and m.b = w.b
             cross join k
             where w.kind = 'week' and w.a < w.b and date_trunc('month', w.start + 6) = date_trunc('month', w.start)
               and m.shared - w.shared between 1 and k.k - 1) as close_nested_pairs
        from possible
        """
    }

    /// The CTEs of `pairs(unstored: true)` that find its couples (`couples`, those with no pair in
    /// `stored`): through two thirds C and D, a lower bound of k - p + 1 or more needs `covered`,
    /// a title with AC + AD - A (its people in both, at least) that high, or `squeezed`, a third C
    /// with room = C - CD and a title with AC - AD (its people in C outside D, at least) that high.
    private static let unstoredThirds = """
        , stored as materialized (
            select v.period_kind as kind, v.period_start as start, least(coalesce(ta.title_id, -1), coalesce(tb.title_id, -1)) as a,
                   greatest(coalesce(ta.title_id, -1), coalesce(tb.title_id, -1)) as b
            from analytics.fact_coviewing v
            join analytics.dim_title ta on ta.title_key = v.title_a_key
            join analytics.dim_title tb on tb.title_key = v.title_b_key
        ), covered as materialized (
            select ac.kind, ac.start, ac.a, ac.b as c, ad.b as d, ac.shared + ad.shared - va.viewers as s, cd.shared as cd
            from shown_pairs ac
            join shown_pairs ad on ad.kind = ac.kind and ad.start = ac.start and ad.a = ac.a and ad.b > ac.b
            join published va on va.kind = ac.kind and va.start = ac.start and va.ref = ac.a
            join shown_pairs cd on cd.kind = ac.kind and cd.start = ac.start and cd.a = ac.b and cd.b = ad.b
            cross join k
            where ac.shared + ad.shared - va.viewers >= k.k - k.p + 1
        ), squeezed as materialized (
            select cd.kind, cd.start, cd.a as c, cd.b as d, vc.viewers - cd.shared as room, ac.b as a, ac.shared - ad.shared as s
            from shown_pairs cd
            join published vc on vc.kind = cd.kind and vc.start = cd.start and vc.ref = cd.a
            join shown_pairs ac on ac.kind = cd.kind and ac.start = cd.start and ac.a = cd.a and ac.b <> cd.b
            join shown_pairs ad on ad.kind = cd.kind and ad.start = cd.start and ad.a = cd.b and ad.b = ac.b
            cross join k
            where ac.shared - ad.shared >= k.k - k.p + 1 and vc.viewers - cd.shared >= k.k - k.p + 1
        ), couples as materialized (
            -- The couples to search that store no pair.
            select c.kind, c.start, c.a, c.b
            from (
                select xz.kind, xz.start, least(xz.a, yz.a) as a, greatest(xz.a, yz.a) as b
                from shown_pairs xz
                join published x on x.kind = xz.kind and x.start = xz.start and x.ref = xz.a and x.viewers = xz.shared
                join shown_pairs yz on yz.kind = xz.kind and yz.start = xz.start and yz.b = xz.b and yz.a <> xz.a
                union
                select xz.kind, xz.start, least(xz.a, yz.a), greatest(xz.a, yz.a)
                from shown_pairs xz
                join shown_pairs yz on yz.kind = xz.kind and yz.start = xz.start and yz.b = xz.b and yz.a < xz.a
                join published z on z.kind = xz.kind and z.start = xz.start and z.ref = xz.b
                cross join k
                where xz.shared + yz.shared - z.viewers >= k.k - k.p + 1
                union
                select x.kind, x.start, least(x.a, y.a), greatest(x.a, y.a)
                from covered x
                join covered y on y.kind = x.kind and y.start = x.start and y.c = x.c and y.d = x.d and y.a < x.a
                cross join k
                where x.s + y.s - x.cd >= k.k - k.p + 1
                union
                select x.kind, x.start, least(x.a, y.a), greatest(x.a, y.a)
                from squeezed x
                join squeezed y on y.kind = x.kind and y.start = x.start and y.c = x.c and y.d = x.d and y.a <> x.a
                cross join k
                where 2 * x.s >= x.room + k.k - k.p + 1 and x.s + y.s >= x.room + k.k - k.p + 1
            ) c
            where not exists (select 1 from stored s where s.kind = c.kind and s.start = c.start and s.a = c.a and s.b = c.b)
        )
        """

    /// The rows of `pairs(unstored: true)`'s hidden pairs: its couples with no stored pair, of
    /// one title inside a third or with a lower bound of k - p + 1 or more through one third or
    /// two, and their people from `private.activity`.
    private static let unstoredCouples = """
            select c.kind, c.start, count(distinct pb.person_key)::int as shared, c.a, c.b, va.viewers as va, vb.viewers as vb
            from couples c
            join published va on va.kind = c.kind and va.start = c.start and va.ref = c.a
            join published vb on vb.kind = c.kind and vb.start = c.start and vb.ref = c.b
            join private.activity pa on pa.title_id = c.a and date_trunc(c.kind, pa.day)::date = c.start
            left join private.activity pb on pb.title_id = c.b and pb.person_key = pa.person_key and date_trunc(c.kind, pb.day)::date = c.start
            group by c.kind, c.start, c.a, c.b, va.viewers, vb.viewers
            union all
        """

    /// The pairs that I2 alone would show in report.coviewing, in both orders, with the columns
    /// that `pairs(shown:)` reads: both title-periods shown, k shared viewers, and the people of
    /// either title outside the pair 0 or at least k.
    static let i2Alone = """
        (select v.period_kind as period, v.period_start, ta.title_id as title_a_id, tb.title_id as title_b_id, v.shared_viewers
         from analytics.fact_coviewing v
         cross join lateral (values (v.title_a_key, v.title_b_key), (v.title_b_key, v.title_a_key)) o (a_key, b_key)
         join analytics.report_periods pa on pa.period_kind = v.period_kind and pa.period_start = v.period_start and pa.title_key = o.a_key
         join analytics.report_periods pb on pb.period_kind = v.period_kind and pb.period_start = v.period_start and pb.title_key = o.b_key
         join analytics.dim_title ta on ta.title_key = o.a_key
         join analytics.dim_title tb on tb.title_key = o.b_key
         cross join report.settings k
         where v.shared_viewers >= k.k and (pa.viewers = v.shared_viewers or pa.viewers - v.shared_viewers >= k.k)
           and (pb.viewers = v.shared_viewers or pb.viewers - v.shared_viewers >= k.k))
        """

    /// The least and the most people of a hidden pair A, B that the counts of two third titles C and
    /// D give, with the five other pairs: the optimum of the linear program over the people of each
    /// pattern of the four titles, in closed form. Each expression is a sum of the counts `A, B, C,
    /// D, AC, AD, BC, BD, CD` (in that order) with these coefficients, and holds person by person;
    /// they were found from the vertices of the program's dual, and `LinearProgramTests` checks that
    /// the greatest and the least of them are the program's optimum.
    enum TwoThirds {
        /// Lower bounds (with 0): AC + BC - C and AD + BD - D, one third at a time, and four of both.
        static let least: [[Int]] = [
            [0, 0, -1, 0, 1, 0, 1, 0, 0], [0, 0, 0, -1, 0, 1, 0, 1, 0],
            [-1, -1, 0, 0, 1, 1, 1, 1, -1], [0, 0, -1, -1, 1, 1, 1, 1, -1],
            [0, 0, -1, 0, 1, -1, 1, -1, 1], [0, 0, 0, -1, -1, 1, -1, 1, 1],
        ]
        /// Upper bounds: A and B, A - AC + BC and the like, one third at a time, and six of both.
        static let most: [[Int]] = [
            [1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0, 0],
            [1, 0, 0, 0, -1, 0, 1, 0, 0], [1, 0, 0, 0, 0, -1, 0, 1, 0], [0, 1, 0, 0, 1, 0, -1, 0, 0], [0, 1, 0, 0, 0, 1, 0, -1, 0],
            [1, 0, 1, 0, 1, -1, -1, 1, -1], [1, 0, 0, 1, -1, 1, 1, -1, -1], [1, 0, 0, 0, -1, -1, 1, 1, 1],
            [0, 1, 1, 0, -1, 1, 1, -1, -1], [0, 1, 0, 1, 1, -1, -1, 1, -1], [0, 1, 0, 0, 1, 1, -1, -1, 1],
        ]
        /// The columns of `AnalystChecks.pairs` that hold the counts, in the coefficients' order.
        static let columns = ["c.va", "c.vb", "c.vc", "d.vc", "c.ac", "d.ac", "c.bc", "d.bc", "cd.shared"]

        /// The expressions as SQL, separated by commas.
        static func sql(_ expressions: [[Int]]) -> String {
            expressions.map { coefficients in
                let terms = zip(coefficients, columns).filter { $0.0 != 0 }.map { "\($0.0 < 0 ? "-" : "+") \(abs($0.0)) * \($0.1)" }
                let sum = terms.joined(separator: " ")
                return sum.hasPrefix("+ ") ? String(sum.dropFirst(2)) : sum
            }.joined(separator: ", ")
        }

        /// The bounds in Swift, from the nine counts; with `thirds` 1, those of each third alone.
        static func bounds(_ counts: [Int], thirds: Int = 2) -> ClosedRange<Int>? {
            let value = { (coefficients: [Int]) in zip(coefficients, counts).map { $0 * $1 }.reduce(0, +) }
            let low = max(0, least.prefix(thirds == 1 ? 2 : least.count).map(value).max()!)
            let high = most.prefix(thirds == 1 ? 6 : most.count).map(value).min()!
            return low <= high ? low...high : nil
        }
    }

    /// SQL for "count `a` holds the people of count `b`": both of one title, `a` a run ending on
    /// `b`'s day or one of its earlier days that lies inside `b`'s run, and not `b` itself.
    static func holds(_ a: String, _ b: String) -> String {
        "\(a).as_of between \(b).as_of - \(b).streak_days + 1 and \(b).as_of and \(a).streak_days + (\(b).as_of - \(a).as_of) <= \(b).streak_days"
            + " and (\(a).as_of, \(a).streak_days) <> (\(b).as_of, \(b).streak_days)"
    }

    /// SQL for "counts `p`, `n1`, `n2` and `q` are the corners of a rectangle of runs", all of `q`'s
    /// title: a run is (first day, last day), and a count as of day b of at least L days holds the
    /// runs from b - L + 1 or earlier to b or later. With a1 < a2 <= b1 < b2, `q` is (a1, b2), `n2`
    /// (a2, b2), `p` (a2, b1) and `n1` (a1, b1); then p - n1 - n2 + q is the number of people whose
    /// run began after a1 and by a2, and ended from b1 to before b2 (for an elementary rectangle, a
    /// run of exactly the days a2 to b1).
    static func rectangle(p: String, n1: String, n2: String, q: String) -> String {
        """
        \(n2).ref = \(q).ref and \(n2).as_of = \(q).as_of and \(n2).streak_days < \(q).streak_days \
        and \(p).ref = \(q).ref and \(p).as_of < \(q).as_of and \(p).as_of - \(p).streak_days = \(n2).as_of - \(n2).streak_days \
        and \(n1).ref = \(q).ref and \(n1).as_of = \(p).as_of and \(n1).as_of - \(n1).streak_days = \(q).as_of - \(q).streak_days
        """
    }

    /// SQL for the unions known exactly from the counts of `source` (shown or stored): two counts of
    /// a title whose runs overlap or meet, n1 = (a1, b1) and n2 = (a2, b2) with a1 < a2 <= b1 + 1
    /// and b1 < b2, with their overlap q = (a1, b2), and the week and month that hold all of a1 to b2.
    static func unions(of source: String) -> String {
        """
        select x.kind, x.start, q.ref, n1.viewers as n1, n2.viewers as n2, q.viewers as q
            from \(source) q
            join \(source) n1 on n1.ref = q.ref and n1.as_of between q.as_of - q.streak_days + 1 and q.as_of - 1
                and n1.as_of - n1.streak_days = q.as_of - q.streak_days
            join \(source) n2 on n2.ref = q.ref and n2.as_of = q.as_of and n2.streak_days < q.streak_days
                and n2.as_of - n2.streak_days <= n1.as_of
            cross join lateral (values ('week', date_trunc('week', q.as_of - q.streak_days + 1)::date, date_trunc('week', q.as_of)::date),
                                       ('month', date_trunc('month', q.as_of - q.streak_days + 1)::date, date_trunc('month', q.as_of)::date))
                x (kind, start, last_start)
            where q.streak_days >= 2 and x.start = x.last_start
        """
    }

    /// SQL for the week cells of month cell `m` (title_id, dimension, value, period_start): the
    /// same title's, dimension's and value's cells of the weeks that overlap the month, as `big`,
    /// the sum of those of at least k viewers, and `small`, how many have 1 to k - 1, counting as
    /// well the title's weeks that overlap the month with 1 to k - 1 viewers and no cells (below the
    /// storage floor), whose cell of the value is below k too.
    static func weekCells(of m: String, k: String) -> String {
        """
        select c.big, c.small + (
            select count(distinct p.period_start) from analytics.fact_title_period p
            join analytics.dim_title pt on pt.title_key = p.title_key
            where p.period_kind = 'week' and pt.title_id is not distinct from \(m).title_id and p.viewers between 1 and \(k).k - 1
              and p.period_start + 6 >= \(m).period_start and p.period_start < (\(m).period_start + interval '1 month')::date
              and not exists (select 1 from analytics.fact_title_period_breakdown u
                              where u.period_kind = 'week' and u.period_start = p.period_start and u.title_key = p.title_key)) as small
        from (
            select coalesce(sum(w.viewers) filter (where w.viewers >= \(k).k), 0) as big,
                   count(*) filter (where w.viewers between 1 and \(k).k - 1) as small
            from analytics.fact_title_period_breakdown w
            join analytics.dim_title wt on wt.title_key = w.title_key
            where w.period_kind = 'week' and wt.title_id is not distinct from \(m).title_id and w.dimension = \(m).dimension
              and w.value = \(m).value and w.period_start + 6 >= \(m).period_start
              and w.period_start < (\(m).period_start + interval '1 month')::date
        ) c
        """
    }

    /// SQL for the staircases of `source` (shown or stored): three counts of a title that share a
    /// day, n1, n2 and n3 with a1 < a2 < a3 <= b1 < b2 < b3 (a run written as first and last day),
    /// and their overlaps (a1, b2) and (a2, b3), all of k or more viewers. Their union,
    /// n1 + n2 + n3 - (a1, b2) - (a2, b3), is `people`, inside their common run, from `first_common`
    /// to `last_common`.
    static func staircases(of source: String) -> String {
        """
        with c as (
            select ref, as_of, as_of - streak_days + 1 as first, viewers from \(source) cross join k where viewers >= k.k and streak_days >= 2
        )
        select n1.ref, n3.first as first_common, n1.as_of as last_common,
               n1.viewers + n2.viewers + n3.viewers - q12.viewers - q23.viewers as people
        from c n1
        join c n2 on n2.ref = n1.ref and n2.as_of > n1.as_of and n2.first > n1.first and n2.first <= n1.as_of
        join c q12 on q12.ref = n1.ref and q12.as_of = n2.as_of and q12.first = n1.first
        join c n3 on n3.ref = n1.ref and n3.as_of > n2.as_of and n3.first > n2.first and n3.first <= n1.as_of
        join c q23 on q23.ref = n1.ref and q23.as_of = n3.as_of and q23.first = n2.first
        """
    }

    /// The columns of `identities`.
    static let identityColumns = [
        "close_lengths", "close_periods", "narrow_lengths", "lengths_hidden_by_rule", "narrow_periods", "periods_with_hidden_days",
        "narrow_if_all_shown", "nested_if_all_shown", "narrow_by_weeks_if_all_shown", "hidden_if_all_shown", "narrow_months",
        "periods_hidden_by_rule", "close_groups", "groups_shown", "groups_over_hidden_titles", "pairs_of_hidden_periods",
        "group_months_narrow_if_shown", "narrow_group_months", "plays_over_hidden_days",
        "plays_of_fewer_than_k",
        "months_over_weeks", "close_rectangles", "close_rectangles_if_all_shown", "close_breakdowns", "close_l_shapes", "narrow_months_by_weeks_and_days",
        "months_narrow_by_weeks_and_days_if_shown", "close_breakdown_residuals", "weeks_over_hidden_month_cells",
        "narrow_breakdown_months", "breakdown_months_narrow_if_shown", "close_staircases", "staircases_shown", "close_staircases_if_all_shown",
        "breakdowns_narrowed_by_segments", "narrow_by_hidden_months", "narrow_hidden_values", "narrow_hidden_values_all_hidden",
        "narrow_values_if_primary_only", "hidden_values_with_segment_floors", "narrow_hidden_segments", "narrow_segments_if_primary_only",
    ]

    /// The columns of `attack`.
    static let attackColumns = [
        "unmatched", "attacked", "recovered", "lone_hidden", "small_residual", "shown_under_hidden_total", "wrong_all_other",
        "stray_all_other", "naive_recovered", "periods_over_hidden_days", "weeks_with_hidden_days",
    ]
}
