-- The load's set-based steps in SQL, run by tally load inside its one warehouse transaction:
-- dimensions, partitions and purges. Inputs arrive in temporary staging tables the load fills by
-- COPY (pg_temp.stage_segments, pg_temp.stage_titles, pg_temp.stage_erasures). The facts themselves
-- are computed by tally in memory from private state (Sources/Tally/Transform/FactEngine.swift).
-- Grain: one function per step; all owned by tally_owner and executable by tally_loader only.

drop function if exists etl.recompute(date[]);
drop function if exists etl.recompute(date[], date);
drop function if exists etl.merge_activity();
drop function if exists etl.ensure_days(date, date);

create or replace function etl.date_key(d date) returns integer
    language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
    as $$ select (extract(year from d) * 10000 + extract(month from d) * 100 + extract(day from d))::integer $$;
comment on function etl.date_key(date) is 'The yyyymmdd smart key of a day.';

create or replace function etl.device_class(device_type text) returns text
    language sql immutable parallel safe
    set search_path = pg_catalog, pg_temp
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
    set search_path = pg_catalog, pg_temp
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

-- Which title version a day's facts use is decided in one place, FactEngine.titleKey (tally); the
-- SQL copy of that rule that stood here was never called.
drop function if exists etl.title_key_on(integer, date);

create or replace function etl.ensure_days(p_first date, p_last date, p_months date[] default null) returns void
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

    -- Partitions for the months given (those that will hold facts), else for every month of the range.
    for month_start in
        select distinct date_trunc('month', m)::date from unnest(p_months) m
        union
        select m::date from generate_series(date_trunc('month', p_first), p_last, interval '1 month') m where p_months is null
    loop
        suffix := to_char(month_start, '"y"YYYY"m"MM');
        foreach fact in array array['fact_title_daily', 'fact_title_daily_segment', 'fact_title_streak'] loop
            if to_regclass(format('analytics.%I', fact || '_' || suffix)) is null then
                execute format('create table analytics.%I partition of analytics.%I for values from (%s) to (%s)',
                               fact || '_' || suffix, fact, etl.date_key(month_start),
                               etl.date_key((month_start + interval '1 month')::date));
                -- A statement on a partition fires the partition's triggers, not its parent's (V0037).
                execute format('create trigger move_facts_generation after insert or update or delete or truncate on analytics.%I '
                               'for each statement execute function analytics.move_facts_generation()', fact || '_' || suffix);
            end if;
        end loop;
    end loop;
end
$$;
comment on function etl.ensure_days(date, date, date[]) is 'Adds dim_date rows for a range of days, and the monthly fact partitions of the months in p_months (of every month of the range when NULL): a sparse history needs partitions only where it has facts. SECURITY DEFINER so the loader needs no CREATE privilege; partitions are owned by tally_owner.';

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

create or replace function etl.merge_segments() returns void
    language plpgsql
    set search_path = pg_catalog, analytics, etl
    as $$
begin
    -- Keys are max + 1 in a fixed order, not from sequences, so a re-run after an interrupted load
    -- assigns exactly the keys an uninterrupted load would have (the load lock makes this safe).
    insert into analytics.dim_device (device_key, device_type, device_class)
    select (select coalesce(max(device_key), 0) from analytics.dim_device) + row_number() over (order by device_type),
           device_type, etl.device_class(device_type)
    from (select distinct device_type from pg_temp.stage_segments) s
    where not exists (select 1 from analytics.dim_device d where d.device_type = s.device_type);
    insert into analytics.dim_region (region_key, country_code, region)
    select (select coalesce(max(region_key), 0) from analytics.dim_region) + row_number() over (order by country_code),
           country_code, etl.region(country_code)
    from (select distinct country_code from pg_temp.stage_segments) s
    where not exists (select 1 from analytics.dim_region r where r.country_code = s.country_code);
    insert into analytics.dim_audience (audience_key, age_band, plan, is_kids)
    select (select coalesce(max(audience_key), 0) from analytics.dim_audience) + row_number() over (order by age_band, plan, is_kids),
           age_band, plan, is_kids
    from (select distinct age_band, plan, is_kids from pg_temp.stage_segments) s
    where not exists (select 1 from analytics.dim_audience a where (a.age_band, a.plan, a.is_kids) = (s.age_band, s.plan, s.is_kids));
end
$$;
comment on function etl.merge_segments() is 'Adds the device, region and audience members of pg_temp.stage_segments that are new.';

drop function if exists etl.days_of_titles(integer[]);
-- PL/pgSQL, not SQL: Citus cannot plan a SQL function's statement that uses its parameters.
create or replace function etl.days_of_titles(p_title_ids integer[], p_from date) returns date[]
    language plpgsql stable
    set search_path = pg_catalog, private
    as $$
begin
    -- With no titles (most nights) nothing is scanned.
    if cardinality(p_title_ids) = 0 then
        return '{}';
    end if;
    return (select coalesce(array_agg(distinct day), '{}') from private.activity
            where title_id = any (p_title_ids) and day >= p_from);
end
$$;
comment on function etl.days_of_titles(integer[], date) is 'Days from p_from on (the retention cutoff) with activity on any of the titles, for re-pointing facts after a catalogue change.';

create or replace function etl.merge_people() returns void
    language plpgsql
    set search_path = pg_catalog, private
    as $$
begin
    -- An upsert, not UPDATE ... FROM: Citus cannot join a temporary table to the table it updates.
    insert into private.people (person_key, pseudonym, last_day)
    select p.person_key, s.pseudonym, s.last_day from pg_temp.stage_people s join private.people p using (pseudonym)
    where s.last_day > p.last_day
    on conflict (pseudonym) do update set last_day = excluded.last_day;
    -- Keys are max + 1 in pseudonym order, so a re-run after an interrupted load assigns the keys an
    -- uninterrupted load would have (the load lock makes this safe).
    insert into private.people (person_key, pseudonym, last_day)
    select (select coalesce(max(person_key), 0) from private.people) + row_number() over (order by s.pseudonym), s.pseudonym, s.last_day
    from pg_temp.stage_people s
    where not exists (select 1 from private.people p where p.pseudonym = s.pseudonym);
end
$$;
comment on function etl.merge_people() is 'Adds the pseudonyms of pg_temp.stage_people that are new to private.people and moves last_day on for the others.';

create or replace function etl.purge(p_before date) returns bigint
    language plpgsql
    set search_path = pg_catalog, private
    as $$
declare
    retention_purged bigint;
    erasure_purged bigint := 0;
    erased integer[];
begin
    delete from private.activity where day < p_before;
    get diagnostics retention_purged = row_count;
    delete from private.play_durations where day < p_before;
    delete from private.people where last_day < p_before;
    -- Without erasures in the window, no scan of private.activity.
    if exists (select 1 from pg_temp.stage_erasures) then
        -- The keys first, then deletes by key: on Citus a temporary table cannot join the table a
        -- statement deletes from, and a join of activity to people on the workers would read
        -- placements this transaction changed over other connections.
        select array_agg(p.person_key) into erased
        from private.people p join pg_temp.stage_erasures e using (pseudonym);
        delete from private.activity where person_key = any (erased);
        get diagnostics erasure_purged = row_count;
        delete from private.people where person_key = any (erased);
    end if;
    return retention_purged + erasure_purged;
end
$$;
comment on function etl.purge(date) is 'Deletes private state older than the retention cutoff (people included once their last day is older) and every row of the erased pseudonyms in pg_temp.stage_erasures. Returns activity rows deleted.';

create or replace function etl.coviewing_floor() returns integer
    language sql stable security definer
    set search_path = pg_catalog
    as $$ select coalesce(e.coviewing_floor, r.k) from etl.settings e, report.settings r $$;
comment on function etl.coviewing_floor() is 'Fewest shared viewers a stored co-viewing pair has: etl.settings.coviewing_floor, else report.settings.k (which the loader may not read directly).';

create or replace function etl.load_lock_holder()
    returns table (pid integer, login text, application text, client text, since timestamptz)
    language sql stable security definer
    set search_path = pg_catalog
    as $$
    select a.pid, a.usename::text, nullif(a.application_name, ''),
           case when a.client_port = -1 then 'local socket' else coalesce(a.client_hostname, host(a.client_addr)) end,
           coalesce(a.xact_start, a.backend_start)
    from pg_locks l
    join pg_stat_activity a on a.pid = l.pid
    where l.locktype = 'relation' and l.granted
      and l.database = (select oid from pg_database where datname = current_database())
      and l.relation = 'etl.watermark'::regclass
    $$;
comment on function etl.load_lock_holder() is 'The session holding the load lock (EXCLUSIVE on etl.watermark), or a lock that conflicts with it (a migration altering the table): pid, login, application, client and since when. SECURITY DEFINER so that a load names a holder that runs as another login (tally_owner holds pg_read_all_stats); returns nothing else about any session.';

-- Every function belongs to tally_owner, whoever ran the migration: a SECURITY DEFINER function then
-- runs as tally_owner (never as the superuser who migrated), and the partitions it creates are its.
-- ANALYZE after a history load (V0029, narrowed in V0030): only the analytics tables not partitioned
-- by day, since ANALYZE of a partitioned table recurses into every monthly partition (2.2 s against
-- 0.4 s on a 20-year history; autovacuum analyses the partitions). A new fact table is added here.
create or replace function etl.analyze_facts() returns void
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
as $$
begin
    analyze analytics.fact_title_period, analytics.fact_title_period_breakdown, analytics.fact_coviewing,
        analytics.fact_group_period, analytics.dim_title, analytics.dim_date,
        analytics.dim_device, analytics.dim_region, analytics.dim_audience;
end
$$;
comment on function etl.analyze_facts() is 'ANALYZE, as their owner, of the analytics tables not partitioned by day: tally load calls it at the end of a history load (a first load or a backfill), so the report views have statistics before autovacuum gets to them. Partitions are left to autovacuum.';

do $$
declare
    f regprocedure;
begin
    for f in
        select p.oid::regprocedure
        from pg_catalog.pg_proc p
        join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('etl', 'analytics', 'private', 'report')
            and p.proowner <> 'tally_owner'::regrole
    loop
        execute pg_catalog.format('alter function %s owner to tally_owner', f);
    end loop;
end
$$;

revoke all on all functions in schema etl from public;
grant execute on all functions in schema etl to tally_loader;
