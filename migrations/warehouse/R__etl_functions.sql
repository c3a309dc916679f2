-- The load's set-based steps, run by tally load inside its one warehouse transaction.
-- Inputs arrive in temporary staging tables the load fills by COPY (pg_temp.stage_activity,
-- pg_temp.stage_titles, pg_temp.stage_erasures); every function works on whole sets, never rows.
-- Grain: one function per step; all owned by tally_owner and executable by tally_loader only.

drop function if exists etl.recompute(date[]);

create or replace function etl.date_key(d date) returns integer
    language sql immutable parallel safe
    as $$ select (extract(year from d) * 10000 + extract(month from d) * 100 + extract(day from d))::integer $$;
comment on function etl.date_key(date) is 'The yyyymmdd smart key of a day.';

create or replace function etl.device_class(device_type text) returns text
    language sql immutable parallel safe
    as $$
    select case
        when device_type ~ '(tv|roku|chromecast|firestick|fire_tv|apple_tv|set.?top)' then 'tv'
        when device_type ~ '(phone|mobile|android|ios|ipad|tablet)' then 'mobile'
        when device_type ~ '(web|browser|desktop|chrome|firefox|safari)' then 'web'
        when device_type ~ '(console|playstation|ps[345]|xbox|switch)' then 'console'
        else 'other'
    end
    $$;
comment on function etl.device_class(text) is 'Maps a lower-case device type to tv, mobile, web, console or other.';

create or replace function etl.region(country_code text) returns text
    language sql immutable parallel safe
    as $$
    select case
        when country_code in ('US', 'CA') then 'North America'
        when country_code in ('MX', 'BR', 'AR', 'CL', 'CO', 'PE', 'UY', 'VE', 'EC', 'BO', 'PY', 'CR', 'PA', 'GT', 'DO', 'CU') then 'Latin America'
        when country_code in ('GB', 'IE', 'FR', 'DE', 'ES', 'PT', 'IT', 'NL', 'BE', 'LU', 'CH', 'AT', 'DK', 'SE', 'NO', 'FI', 'IS',
                              'PL', 'CZ', 'SK', 'HU', 'RO', 'BG', 'GR', 'HR', 'SI', 'EE', 'LV', 'LT', 'UA', 'RS', 'CY', 'MT') then 'Europe'
        when country_code in ('JP', 'KR', 'CN', 'TW', 'HK', 'SG', 'MY', 'TH', 'VN', 'PH', 'ID', 'IN', 'PK', 'BD', 'LK', 'AU', 'NZ') then 'Asia Pacific'
        when country_code in ('AE', 'SA', 'IL', 'TR', 'EG', 'MA', 'NG', 'KE', 'ZA', 'GH', 'QA', 'KW', 'JO', 'LB', 'TN', 'DZ') then 'Middle East & Africa'
        else 'Other'
    end
    $$;
comment on function etl.region(text) is 'Maps an ISO country code to a region.';

create or replace function etl.title_key_on(p_title_id integer, p_day date) returns integer
    language sql stable
    set search_path = pg_catalog, analytics, etl
    as $$
    select coalesce(
        (select t.title_key from analytics.dim_title t
          where t.title_id = p_title_id
          order by (t.valid_from < (p_day + 1)::timestamp at time zone (select business_time_zone from etl.settings)) desc,
                   case when t.valid_from < (p_day + 1)::timestamp at time zone (select business_time_zone from etl.settings)
                        then -extract(epoch from t.valid_from) else extract(epoch from t.valid_from) end,
                   t.title_key desc
          limit 1),
        -1)
    $$;
comment on function etl.title_key_on(integer, date) is 'The dim_title version of a title valid at the end of a day (midnight in the business time zone): the latest version that had taken effect, else its first version, else -1 (unknown).';

create or replace function etl.ensure_days(p_first date, p_last date) returns void
    language plpgsql security definer
    set search_path = pg_catalog, analytics, etl
    as $$
declare
    month_start date;
    suffix text;
    fact text;
begin
    insert into analytics.dim_date
    select etl.date_key(d::date), d::date, extract(year from d), extract(quarter from d), extract(month from d),
           trim(to_char(d, 'Month')), extract(day from d), extract(week from d), extract(isoyear from d),
           date_trunc('week', d)::date, date_trunc('month', d)::date, extract(isodow from d),
           trim(to_char(d, 'Day')), extract(isodow from d) in (6, 7)
    from generate_series(p_first, p_last, interval '1 day') d
    on conflict (date_key) do nothing;

    month_start := date_trunc('month', p_first)::date;
    while month_start <= p_last loop
        suffix := to_char(month_start, '"y"YYYY"m"MM');
        foreach fact in array array['fact_title_daily', 'fact_title_daily_segment', 'fact_title_streak'] loop
            if to_regclass(format('analytics.%I', fact || '_' || suffix)) is null then
                execute format('create table analytics.%I partition of analytics.%I for values from (%s) to (%s)',
                               fact || '_' || suffix, fact, etl.date_key(month_start),
                               etl.date_key((month_start + interval '1 month')::date));
            end if;
        end loop;
        month_start := (month_start + interval '1 month')::date;
    end loop;
end
$$;
comment on function etl.ensure_days(date, date) is 'Adds dim_date rows and the monthly fact partitions for a range of days. SECURITY DEFINER so the loader needs no CREATE privilege; partitions are owned by tally_owner.';

create or replace function etl.merge_titles() returns setof integer
    language plpgsql
    set search_path = pg_catalog, analytics, etl
    as $$
begin
    -- Titles seen for the first time: their facts may sit on the unknown member and must be re-pointed.
    create temporary table new_titles on commit drop as
        select s.title_id from pg_temp.stage_titles s
        where not exists (select 1 from analytics.dim_title t where t.title_id = s.title_id);

    -- Close the current version of every title whose attributes changed, then add the new versions.
    create temporary table changed_titles on commit drop as
        select s.* from pg_temp.stage_titles s
        left join analytics.dim_title t on t.title_id = s.title_id and t.is_current
        where t.title_key is null
           or (t.name, t.kind, t.series_name, t.genre, t.release_year, t.runtime_seconds)
              is distinct from (s.name, s.kind, s.series_name, s.genre, s.release_year, s.runtime_seconds);

    update analytics.dim_title t set valid_to = greatest(c.updated_at, t.valid_from + interval '1 microsecond'), is_current = false
    from changed_titles c where t.title_id = c.title_id and t.is_current;

    insert into analytics.dim_title (title_key, title_id, name, kind, series_name, genre, release_year, runtime_seconds, valid_from, valid_to, is_current)
    select (select greatest(coalesce(max(title_key), 0), 0) from analytics.dim_title) + row_number() over (order by c.title_id),
           c.title_id, c.name, c.kind, c.series_name, c.genre, c.release_year, c.runtime_seconds,
           -- A new version never starts at or before the one it replaces, even if updated_at did not move.
           greatest(c.updated_at, (select max(t.valid_from) + interval '1 microsecond' from analytics.dim_title t where t.title_id = c.title_id)),
           null, true
    from changed_titles c;

    return query select title_id from new_titles union select title_id from changed_titles;
    drop table new_titles, changed_titles;
end
$$;
comment on function etl.merge_titles() is 'SCD type 2 merge of pg_temp.stage_titles into dim_title. Returns the title ids whose versions changed or appeared, so their days are recomputed.';

create or replace function etl.merge_activity() returns void
    language plpgsql
    set search_path = pg_catalog, analytics, etl, private
    as $$
begin
    -- Keys are max + 1 in a fixed order, not from sequences, so a re-run after an interrupted load
    -- assigns exactly the keys an uninterrupted load would have (the load lock makes this safe).
    insert into analytics.dim_device (device_key, device_type, device_class)
    select (select coalesce(max(device_key), 0) from analytics.dim_device) + row_number() over (order by device_type),
           device_type, etl.device_class(device_type)
    from (select distinct device_type from pg_temp.stage_activity) s
    where not exists (select 1 from analytics.dim_device d where d.device_type = s.device_type);
    insert into analytics.dim_region (region_key, country_code, region)
    select (select coalesce(max(region_key), 0) from analytics.dim_region) + row_number() over (order by country_code),
           country_code, etl.region(country_code)
    from (select distinct country_code from pg_temp.stage_activity) s
    where not exists (select 1 from analytics.dim_region r where r.country_code = s.country_code);
    insert into analytics.dim_audience (audience_key, age_band, plan, is_kids)
    select (select coalesce(max(audience_key), 0) from analytics.dim_audience) + row_number() over (order by age_band, plan, is_kids),
           age_band, plan, is_kids
    from (select distinct age_band, plan, is_kids from pg_temp.stage_activity) s
    where not exists (select 1 from analytics.dim_audience a where (a.age_band, a.plan, a.is_kids) = (s.age_band, s.plan, s.is_kids));

    insert into private.activity as a
    select s.day, s.title_id, s.pseudonym, d.device_key, r.region_key, au.audience_key,
           sum(s.plays), sum(s.completed_plays), sum(s.watch_seconds), sum(s.thumbs_up), sum(s.thumbs_down)
    from pg_temp.stage_activity s
    join analytics.dim_device d using (device_type)
    join analytics.dim_region r using (country_code)
    join analytics.dim_audience au using (age_band, plan, is_kids)
    where s.pseudonym is not null
    group by 1, 2, 3, 4, 5, 6
    on conflict (day, title_id, pseudonym, device_key, region_key, audience_key) do update set
        plays = a.plays + excluded.plays,
        completed_plays = a.completed_plays + excluded.completed_plays,
        watch_seconds = a.watch_seconds + excluded.watch_seconds,
        thumbs_up = a.thumbs_up + excluded.thumbs_up,
        thumbs_down = a.thumbs_down + excluded.thumbs_down;

    -- Rows without a pseudonym are play-length counts (for skips), about no one in particular.
    insert into private.play_durations as p
    select s.day, s.title_id, d.device_key, r.region_key, au.audience_key, s.watched_seconds, sum(s.plays)
    from pg_temp.stage_activity s
    join analytics.dim_device d using (device_type)
    join analytics.dim_region r using (country_code)
    join analytics.dim_audience au using (age_band, plan, is_kids)
    where s.pseudonym is null
    group by 1, 2, 3, 4, 5, 6
    on conflict (day, title_id, device_key, region_key, audience_key, watched_seconds) do update set
        plays = p.plays + excluded.plays;
end
$$;
comment on function etl.merge_activity() is 'Adds new dimension members and folds pg_temp.stage_activity into private.activity.';

create or replace function etl.recompute(p_days date[], p_cutoff date) returns integer
    language plpgsql
    set search_path = pg_catalog, analytics, etl, private
    set work_mem = '256MB'
    as $$
declare
    streak_max integer := (select streak_max_days from etl.settings);
    skip_seconds integer := (select s.skip_seconds from etl.settings s);
    skip_share numeric := (select s.skip_runtime_share from etl.settings s);
    last_day date := (select max(day) from private.activity);
    day_keys integer[];
begin
    if p_days is null or cardinality(p_days) = 0 then
        return 0;
    end if;
    select array_agg(distinct d order by d) into p_days from unnest(p_days) d;
    day_keys := array(select etl.date_key(d) from unnest(p_days) d);
    perform etl.ensure_days(least(p_days[1], date_trunc('month', p_days[1])::date),
                            greatest(p_days[cardinality(p_days)] + streak_max, last_day));

    -- Daily facts.
    create temporary table day_titles on commit drop as
        select day, title_id, etl.title_key_on(title_id, day) as title_key
        from (select distinct day, title_id from private.activity where day = any (p_days)) x;
    analyze day_titles;

    -- Skips per day, title and segment, from play lengths and the current thresholds.
    create temporary table day_skips on commit drop as
        select p.day, m.title_key, p.device_key, p.region_key, p.audience_key,
               sum(p.plays) filter (where p.watched_seconds < coalesce(least(skip_seconds, skip_share * t.runtime_seconds), skip_seconds))::integer as skips
        from private.play_durations p
        join day_titles m using (day, title_id)
        left join analytics.dim_title t on t.title_key = m.title_key
        where p.day = any (p_days)
        group by p.day, m.title_key, p.device_key, p.region_key, p.audience_key;
    analyze day_skips;

    delete from analytics.fact_title_daily where date_key = any (day_keys);
    insert into analytics.fact_title_daily
    with facts as (
        select a.day, m.title_key,
               count(distinct a.pseudonym) filter (where a.plays > 0) as viewers, sum(a.plays) as plays,
               sum(a.completed_plays) as completed_plays, sum(a.watch_seconds) as watch_seconds,
               sum(a.thumbs_up) as thumbs_up, sum(a.thumbs_down) as thumbs_down
        from private.activity a join day_titles m using (day, title_id)
        group by a.day, m.title_key
    ), skips as (
        select day, title_key, sum(skips) as skips from day_skips group by day, title_key
    )
    select etl.date_key(f.day), f.title_key, f.viewers, f.plays, f.completed_plays, f.watch_seconds, f.thumbs_up,
           f.thumbs_down, coalesce(s.skips, 0)
    from facts f left join skips s using (day, title_key);

    delete from analytics.fact_title_daily_segment where date_key = any (day_keys);
    insert into analytics.fact_title_daily_segment
    with facts as (
        select a.day, m.title_key, a.device_key, a.region_key, a.audience_key,
               count(distinct a.pseudonym) filter (where a.plays > 0) as viewers, sum(a.plays) as plays,
               sum(a.completed_plays) as completed_plays, sum(a.watch_seconds) as watch_seconds,
               sum(a.thumbs_up) as thumbs_up, sum(a.thumbs_down) as thumbs_down
        from private.activity a join day_titles m using (day, title_id)
        group by a.day, m.title_key, a.device_key, a.region_key, a.audience_key
    )
    select etl.date_key(f.day), f.title_key, f.device_key, f.region_key, f.audience_key, f.viewers, f.plays,
           f.completed_plays, f.watch_seconds, f.thumbs_up, f.thumbs_down, coalesce(s.skips, 0)
    from facts f left join day_skips s using (day, title_key, device_key, region_key, audience_key);

    -- Weeks and months containing a touched day.
    create temporary table periods on commit drop as
        select distinct 'week'::text as kind, date_trunc('week', d)::date as start, (date_trunc('week', d) + interval '6 days')::date as finish
        from unnest(p_days) d
        union
        select distinct 'month', date_trunc('month', d)::date, (date_trunc('month', d) + interval '1 month - 1 day')::date
        from unnest(p_days) d;
    -- A period that starts before the retention cutoff has lost part of its private state; rebuilding
    -- it would undercount, so it keeps the exact values it was last computed with.
    delete from periods where start < p_cutoff;
    analyze periods;

    create temporary table period_titles on commit drop as
        select p.kind, p.start, x.title_id, etl.title_key_on(x.title_id, least(p.finish, last_day)) as title_key
        from periods p
        join lateral (select distinct title_id from private.activity a where a.day between p.start and p.finish) x on true;
    analyze period_titles;

    -- Who played what in each touched period, once: the basis of period viewers and co-viewing.
    -- Distinct on the title id first (cheap), then mapped to keys; only the unknown member (-1)
    -- can gather several ids under one key, so only its rows need a second distinct.
    create temporary table period_viewers on commit drop as
        with by_title as (
            select distinct p.kind, p.start, a.title_id, a.pseudonym
            from private.activity a
            join periods p on p.kind = 'week' and p.start = date_trunc('week', a.day)::date
            where a.plays > 0 and a.day between (select min(start) from periods where kind = 'week')
                                          and (select max(finish) from periods where kind = 'week')
            union all
            select distinct p.kind, p.start, a.title_id, a.pseudonym
            from private.activity a
            join periods p on p.kind = 'month' and p.start = date_trunc('month', a.day)::date
            where a.plays > 0 and a.day between (select min(start) from periods where kind = 'month')
                                          and (select max(finish) from periods where kind = 'month')
        ), keyed as (
            select b.kind, b.start, m.title_key, b.pseudonym
            from by_title b join period_titles m using (kind, start, title_id)
        )
        select * from keyed where title_key <> -1
        union all
        select distinct * from keyed where title_key = -1;
    analyze period_viewers;

    delete from analytics.fact_period_audience f using periods p where f.period_kind = p.kind and f.period_start = p.start;
    insert into analytics.fact_period_audience
    select kind, start, count(distinct pseudonym) from period_viewers group by kind, start;

    delete from analytics.fact_title_period f using periods p where f.period_kind = p.kind and f.period_start = p.start;
    insert into analytics.fact_title_period
    with totals as materialized (
        select x.kind, x.start, m.title_key, sum(x.plays) as plays, sum(x.watch_seconds) as watch_seconds
        from (
            select p.kind, p.start, a.title_id, a.plays, a.watch_seconds
            from private.activity a
            join periods p on p.kind = 'week' and p.start = date_trunc('week', a.day)::date
            where a.day between (select min(start) from periods where kind = 'week') and (select max(finish) from periods where kind = 'week')
            union all
            select p.kind, p.start, a.title_id, a.plays, a.watch_seconds
            from private.activity a
            join periods p on p.kind = 'month' and p.start = date_trunc('month', a.day)::date
            where a.day between (select min(start) from periods where kind = 'month') and (select max(finish) from periods where kind = 'month')
        ) x
        join period_titles m on m.kind = x.kind and m.start = x.start and m.title_id = x.title_id
        group by x.kind, x.start, m.title_key
    ), viewers as materialized (
        select kind, start, title_key, count(*) as viewers from period_viewers group by kind, start, title_key
    ), skips as materialized (
        select x.kind, x.start, m.title_key,
               sum(x.plays) filter (where x.watched_seconds < coalesce(least(skip_seconds, skip_share * t.runtime_seconds), skip_seconds)) as skips
        from (
            select p.kind, p.start, d.title_id, d.watched_seconds, d.plays
            from private.play_durations d
            join periods p on p.kind = 'week' and p.start = date_trunc('week', d.day)::date
            union all
            select p.kind, p.start, d.title_id, d.watched_seconds, d.plays
            from private.play_durations d
            join periods p on p.kind = 'month' and p.start = date_trunc('month', d.day)::date
        ) x
        join period_titles m on m.kind = x.kind and m.start = x.start and m.title_id = x.title_id
        left join analytics.dim_title t on t.title_key = m.title_key
        group by x.kind, x.start, m.title_key
    )
    select t.kind, t.start, t.title_key, coalesce(v.viewers, 0), t.plays, t.watch_seconds, coalesce(s.skips, 0)
    from totals t left join viewers v using (kind, start, title_key) left join skips s using (kind, start, title_key);

    delete from analytics.fact_coviewing f using periods p where f.period_kind = p.kind and f.period_start = p.start;
    insert into analytics.fact_coviewing
    select x.kind, x.start, x.title_key, y.title_key, count(*)
    from period_viewers x
    join period_viewers y on y.kind = x.kind and y.start = x.start and y.pseudonym = x.pseudonym and x.title_key < y.title_key
    where x.title_key <> -1
    group by x.kind, x.start, x.title_key, y.title_key;

    -- Streaks: every as-of day from a touched day up to streak_max - 1 days later depends on it.
    create temporary table as_of_days on commit drop as
        select distinct d + g as as_of
        from unnest(p_days) d, generate_series(0, streak_max - 1) g
        where d + g <= last_day and d + g - (streak_max - 1) >= p_cutoff;
    analyze as_of_days;

    delete from analytics.fact_title_streak where as_of_date_key in (select etl.date_key(as_of) from as_of_days);
    insert into analytics.fact_title_streak
    with bounds as (
        select min(as_of) - (streak_max - 1) as lo, max(as_of) as hi from as_of_days
    ), watched as (
        -- Titles not yet in the catalogue all count as the one unknown title (-1), as in daily facts.
        select distinct case when exists (select 1 from analytics.dim_title t where t.title_id = a.title_id)
                             then a.title_id else -1 end as title_id, a.pseudonym, a.day
        from private.activity a, bounds b
        where a.day between b.lo and b.hi and a.plays > 0
    ), islands as (
        select title_id, pseudonym, day, day - (row_number() over (partition by title_id, pseudonym order by day))::integer as island
        from watched
    ), runs as (
        select title_id, pseudonym, min(day) as run_start, max(day) as run_end from islands group by title_id, pseudonym, island
    ), lengths as (
        select r.title_id, o.as_of, least(o.as_of - r.run_start + 1, streak_max) as run_length, count(*) as profiles
        from runs r join as_of_days o on o.as_of > r.run_start and o.as_of <= r.run_end
        group by r.title_id, o.as_of, least(o.as_of - r.run_start + 1, streak_max)
    )
    select etl.date_key(l.as_of), etl.title_key_on(l.title_id, l.as_of), s.streak_days, sum(l.profiles)
    from lengths l join generate_series(2, streak_max) s(streak_days) on s.streak_days <= l.run_length
    group by l.as_of, etl.title_key_on(l.title_id, l.as_of), s.streak_days;

    drop table day_titles, day_skips, periods, period_titles, period_viewers, as_of_days;
    return cardinality(p_days);
end
$$;
comment on function etl.recompute(date[], date) is 'Recomputes exactly, from private.activity, the daily and segment facts of the given days, the week/month and co-viewing facts of their periods, and the streak facts of every as-of day that depends on them. Returns the number of days.';

create or replace function etl.days_of_titles(p_title_ids integer[]) returns date[]
    language sql stable
    set search_path = pg_catalog, private
    as $$ select coalesce(array_agg(distinct day), '{}') from private.activity where title_id = any (p_title_ids) $$;
comment on function etl.days_of_titles(integer[]) is 'Days with activity on any of the titles, for re-pointing facts after a catalogue change.';

create or replace function etl.purge(p_before date) returns bigint
    language plpgsql
    set search_path = pg_catalog, private
    as $$
declare
    retention_purged bigint;
    erasure_purged bigint;
begin
    delete from private.activity where day < p_before;
    get diagnostics retention_purged = row_count;
    delete from private.play_durations where day < p_before;
    delete from private.activity a using pg_temp.stage_erasures e where a.pseudonym = e.pseudonym;
    get diagnostics erasure_purged = row_count;
    return retention_purged + erasure_purged;
end
$$;
comment on function etl.purge(date) is 'Deletes private state older than the retention cutoff and every row of the erased pseudonyms in pg_temp.stage_erasures. Returns rows deleted.';

revoke all on all functions in schema etl from public;
grant execute on all functions in schema etl to tally_loader;
