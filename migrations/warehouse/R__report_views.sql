-- The report views analysts read with psql: the analytics facts with titles and days spelled out,
-- and every count of people at least k (report.settings.k, default 11).
-- Grain: one view per question; each view's comment gives its grain.
--
-- The views are linked tables: the same people are counted in days, weeks, months, segments,
-- streaks and pairs, so suppression is decided across them, as statistical agencies do for linked
-- tables (tau-ARGUS). docs/analysts.md writes out each identity between published counts and the
-- rule that breaks it; the tests compute the attacker's interval for each.
--   * A hidden cell has no row. A missing row means none, fewer than k, or hidden to protect a
--     linked count; never a known 0.
--   * Primary: a cell whose count of people is below k has no row (ratings count raters).
--   * Segments against their title-day: title_daily publishes each title-day's total, so within a
--     title-day with a hidden segment, further segments hide, smallest first, until the residual
--     (total viewers minus the viewers of the shown segments) is at least k; one "all other" row
--     then carries the hidden segments' sums, with that residual as its viewers.
--   * Streak lengths against each other and against the day (I1): a title's streak counts as of a
--     day, with the day's viewers as length 1, are nested sets. The difference of two shown
--     lengths is the number of people whose run has exactly those lengths, so it must be 0 or at
--     least k: lengths are shown in order from 1, each only when it equals the last one shown or
--     is at least k below it (report.shown_runs).
--   * Streaks against earlier days (I1b): a run of n days ending on a day lies inside every
--     shorter run that ends on one of its earlier days (the people on 3 days ending today watched
--     on the 2 days ending yesterday). A streak is shown only when no such earlier count, shown or
--     not, is 1 to k - 1 above it.
--   * Four streak counts around a run (I1r): with a run written as (first day, last day) and
--     a1 < a2 <= b1 < b2, the counts (a2, b1) - (a1, b1) - (a2, b2) + (a1, b2) are the people whose
--     run began after a1 and by a2 and ended from b1 to before b2; any count holding (a1, b1) and
--     (a2, b2) in place of (a2, b1) gives its people in neither (an L shape). A streak is shown
--     only when no such rectangle or L shape of which it is the longest count, from the true
--     counts of the other three, is 1 to k - 1 people.
--   * Pairs through third titles (I2t): the shown pairs of a hidden pair's titles with one or two
--     third titles bound it (report.held_pairs); coviewing hides shown pairs until no hidden pair
--     of two shown title-periods, nor couple of them below the floor, is bounded to fewer than p
--     values that way, counting for a pair I2 or I5p hides and a couple only the values a missing
--     pair may take (report.missing_pair_values). The load keeps each
--     period's decision (analytics.coviewing_decisions, etl.refresh_coviewing_held) with a digest of its
--     inputs; the view reuses it while the digest matches and decides the other periods itself.
--   * A pair's week inside its month (I5p): the month's pair holds the week's people, so a week's
--     pair is shown only when a month pair that I2 would show is 0 or at least k above it.
--   * Exact unions (I3u, I6u, I6t): two shown days with their shown 2-day streak, or two shown
--     titles with their shown pair, have a union known exactly; the period or group less it (the
--     people only on other days or titles) must be 0 or at least k. A group of exactly three
--     titles, all shown with their three pairs, gives every region of their Venn diagram, each of
--     which must be 0 or at least k. A period of exactly two days, both
--     shown, or a group of exactly two titles, both shown, is their union: the two less it (the
--     people of both) must be 0 or at least k.
--   * Months against their weeks (I3w): a month less its weeks of k or more viewers bounds its weeks
--     below k from below, as I3 does for days; a month is shown only when that range stays p wide.
--     Its weeks and days together bound its hidden days outside those weeks in the same way.
--   * The people on two days or more (I3m): the days' viewers less the period's bound them from
--     below (shown days, and 1 for each hidden day) and above (k - 1 for each hidden day); days
--     without a play count as known to be empty, as an attacker who knows the catalogue may know
--     them; 1 to k - 1 of them within fewer than p values hides the period. A month's whole weeks with its days outside them do the same for
--     its people in two weeks or more (those weeks and days), for titles and for groups.
--   * A period against all its days at once (I3b): the days' viewers, with k - 1 for each hidden
--     day (and nothing for a day without a play), less the period's viewers bound the days its people watched past their first. A
--     streak of L days on other days of the period takes L - 1 of them for each of its people, and
--     a hidden streak of L days inside it holds at most what is left / (L - 1); a period is shown
--     only when that leaves each stored streak below k at least p values.
--   * Periods against their days and months against their weeks (I5): a week's people include
--     each of its days', and a month's each of its weeks', so a period is shown only when it is 0
--     or at least k above each shown day it holds, and a week only when a shown month holding it
--     is 0 or at least k above it.
--   * A week's breakdown value against its month's (I5 for breakdowns): when the month's cell is 1
--     to k - 1 above the week's, the week's whole dimension is hidden (its all_other row would give
--     the difference back).
--   * A month's breakdown value against its weeks' (I3w for breakdowns): a month's cell less the
--     same value's week cells of k or more viewers bounds its week cells below k from below; when
--     that leaves one a range narrower than the protection level, the month's cell is hidden,
--     with a complementary cell.
--   * Breakdowns against segments: a value's cell holds at least the segments of that value on
--     one of its days, and the hidden values together (one value a person) the all_other row, so
--     cells hide until the all_other row less the hidden values' segment floors leaves each at
--     least p values.
--   * Groups (I6, I6u, I6t): against their shown titles, days and weeks, their genre and month,
--     the union of two shown titles with their pair, the titles' sum when all are shown, and the
--     Venn regions of three shown titles that their shown pairs fix.
--   * Pairs against their titles (I2): viewers_a - shared_viewers is the number of people who
--     watched A and not B, so a pair is shown only when that number (and the one for B) is 0 or at
--     least k.
--   * Periods against days (I3): plays, skips and watch hours of a week or month are published only
--     when no day of that title in the period is hidden (the period minus the shown days would give
--     the hidden days away); viewers, distinct over the period, are published when they reach k.
--
-- Views run with the privileges of their owner (tally_owner), so analysts need no grant on
-- analytics. security_barrier keeps an analyst's own functions from seeing rows or values before
-- suppression, but it lets leakproof conditions (= or < on a day, a title or a count) reach the
-- facts, and EXPLAIN ANALYZE, which any reader may run, prints the rows each plan node read and
-- removed: "viewers = 1" counted the title-days of one viewer, "raters = 1 and thumbs_up = 1" one
-- person's thumb. So every report view reads kept rows, all published, or the rows of a function
-- that runs the live view whole (etl.create_kept_view); no analyst's condition reaches the facts.
-- Views are dropped and re-created, so a column can be added anywhere (e.g. skips next to plays).

-- In the order they depend on each other: report views, their functions (analytics.<name>_rows()),
-- the live views that read analytics.report_periods, and the views beneath.
drop view if exists report.title_daily, report.title_ratings, report.title_breakdown, report.title_weekly, report.title_monthly,
    report.title_segments, report.coviewing, report.title_streaks, report.titles, report.group_totals;
drop function if exists analytics.title_segments_rows(), analytics.title_breakdown_rows(), analytics.coviewing_rows(),
    analytics.group_totals_rows(), analytics.title_daily_rows(), analytics.title_ratings_rows(), analytics.title_streaks_rows(),
    analytics.titles_rows();
drop view if exists analytics.title_segments_live, analytics.title_breakdown_live, analytics.coviewing_live,
    analytics.group_totals_live, analytics.title_daily_live, analytics.title_ratings_live, analytics.title_streaks_live,
    analytics.titles_live, analytics.coviewing_pairs, analytics.report_periods;
drop function if exists analytics.report_periods_rows();
drop view if exists analytics.title_unions, analytics.title_runs, analytics.report_periods_live;
drop table if exists analytics.kept_report_periods, analytics.kept_title_segments, analytics.kept_title_breakdown,
    analytics.kept_coviewing, analytics.kept_group_totals, analytics.kept_title_daily, analytics.kept_title_ratings,
    analytics.kept_title_streaks, analytics.kept_titles;
-- (made again, empty: no view reads them until the end of this file keeps them)
delete from analytics.kept_reports;
drop function if exists report.shown_runs(integer[], integer);
-- etl.create_kept_view now takes without_nestloop, with no default: the file of an earlier
-- checkout, applied after this one, then finds its own three-argument function, not two to choose from.
drop function if exists etl.create_kept_view(text, regclass, text[]);
drop function if exists etl.create_kept_view(text, regclass, text[], boolean);
-- I3m by weeks now takes a month's whole weeks from the weeks with a play (month_whole_weeks).
drop function if exists report.whole_weeks(date);
-- I2t now takes k, for what a missing pair says (report.missing_pair_values).
drop function if exists report.held_pairs(text[], date[], integer[], integer[], integer[], integer[], integer[], boolean[], integer);
-- I2t now takes, for a week's pair, its month's (I5p: a missing pair may be I5p's, and is at most
-- the month's), and for a month's pair the largest of its weeks' (at least that).
drop function if exists report.held_pairs(text[], date[], integer[], integer[], integer[], integer[], integer[], boolean[], integer, integer);
drop function if exists report.held_pairs(text[], date[], integer[], integer[], integer[], integer[], integer[], boolean[], integer[], integer, integer);
drop function if exists report.missing_pair_values(integer, integer, integer, integer, integer);

-- Kept views (V0036): every report view analysts read is defined as <name>_live in analytics, and
-- its rows are kept by each load in analytics.kept_<name> (etl.refresh_kept_reports). The view by
-- its own name reads the kept rows while they were made at the current facts generation
-- (analytics.kept_reports against analytics.facts_generation, each a one-time filter: the other
-- branch is never run), and <name>_live otherwise, through analytics.<name>_rows(), so that a write
-- to the facts or settings since the last load is never hidden. Rows and columns are the same
-- either way. A filter on a leakproof column (= on a day, a period or a title) reaches the kept
-- table's index, which holds published rows only; it never reaches the facts, where EXPLAIN
-- ANALYZE would count the hidden rows it matched (a title-day of one viewer, one person's thumb).
create or replace function etl.create_kept_view(view_name text, live regclass, indexes text[], without_nestloop boolean) returns void
    language plpgsql
    set search_path = pg_catalog, pg_temp
as $$
declare
    kept text := 'analytics.' || quote_ident('kept_' || split_part(view_name, '.', 2));
    kept_name text := split_part(view_name, '.', 2);
    rows_function text := 'analytics.' || quote_ident(split_part(view_name, '.', 2) || '_rows');
    columns text;
begin
    execute format('create table %s as select * from %s with no data', kept, live);
    foreach columns in array indexes loop
        execute format('create index on %s (%s)', kept, columns);
    end loop;
    execute format('alter table %s owner to tally_owner', kept);
    execute format('revoke all on %s from public, tally_loader', kept);
    execute format('comment on table %s is %L', kept, format(
        'The rows of %s as the last load (or tally migrate up) made them, at the facts generation in analytics.kept_reports; %s reads them while that is current. Written by etl.refresh_kept_reports(); not granted to analysts or the loader.',
        live, view_name));
    -- The live rows come through a function that runs as its owner and is never inlined, so that an
    -- analyst's condition is applied to the rows it returns, all of them published, and never to
    -- the facts beneath: EXPLAIN ANALYZE counts the rows each plan node reads and removes, and would
    -- otherwise count hidden cells.
    -- without_nestloop: for a view whose joins the planner expects to meet a row or two (estimates
    -- through its aggregates and CTEs fall to 1) where thousands come, and loops over them.
    execute format('create function %s() returns setof %s language sql stable security definer '
                   'set search_path = pg_catalog, pg_temp set jit = off %s as %L',
                   rows_function, live, case when without_nestloop then 'set enable_nestloop = off' else '' end,
                   'select * from ' || live::text);
    execute format('alter function %s() owner to tally_owner', rows_function);
    execute format('revoke all on function %s() from public', rows_function);
    execute format('grant execute on function %s() to tally_analyst', rows_function);
    execute format('comment on function %s() is %L', rows_function, format(
        'The rows of %s, computed whole as the function''s owner: %s reads them when its kept rows are not current, so that no condition of the reader reaches the facts. Executable by tally_analyst, who cannot name it (no usage on analytics).',
        live, view_name));
    execute format($view$
        create view %1$s with (security_barrier) as
        select * from %2$s
        where (select generation from analytics.kept_reports where name = %3$L) = (select generation from analytics.facts_generation)
        union all
        select * from %4$s()
        where (select generation from analytics.kept_reports where name = %3$L) is distinct from (select generation from analytics.facts_generation)
        $view$, view_name, kept, kept_name, rows_function);
    execute format('alter view %s owner to tally_owner', view_name);
    execute format('revoke all on %s from public', view_name);
    execute format('alter view %s owner to tally_owner', live);
    execute format('revoke all on %s from public', live);
    if obj_description(live, 'pg_class') is null then
        execute format('comment on view %s is %L', live, format(
            '%s decided from the facts at this read; %s reads the rows the last load kept instead while they are current. Not granted to analysts.',
            view_name, view_name));
    end if;
end
$$;
alter function etl.create_kept_view(text, regclass, text[], boolean) owner to tally_owner;
revoke all on function etl.create_kept_view(text, regclass, text[], boolean) from public;
comment on function etl.create_kept_view(text, regclass, text[], boolean) is 'Used by R__report_views.sql: creates analytics.kept_<name> with the columns of the live view and the indexes given, and the view view_name that reads it while it is current (analytics.kept_reports) and the live view otherwise, through analytics.<name>_rows() (which plans without nested loops when without_nestloop is true); gives both views to tally_owner, revokes them from public, and comments the live view when it has no comment.';

-- Which of a title's nested counts as of one day may be shown: counts[1] is the day's viewers
-- (shown when at least k), counts[n] the people with a run of at least n days. A count is shown
-- when it is at least k, free (no count of an earlier day that holds its people is 1 to k - 1
-- above it), and equals the last shown count or lies at least k below it, so that the difference
-- of any two shown counts (people with a run of exactly those lengths) is 0 or at least k.
create or replace function report.shown_runs(counts integer[], k integer, free boolean[]) returns boolean[]
language plpgsql immutable strict parallel safe
set search_path = pg_catalog
as $$
declare
    shown boolean[] := array[counts[1] >= k];
    last integer := case when counts[1] >= k then counts[1] end;
begin
    for n in 2 .. coalesce(array_length(counts, 1), 0) loop
        if last is not null and counts[n] >= k and free[n] and (counts[n] = last or counts[n] <= last - k) then
            shown := shown || true;
            last := counts[n];
        else
            shown := shown || false;
        end if;
    end loop;
    return shown;
end
$$;
alter function report.shown_runs(integer[], integer, boolean[]) owner to tally_owner;
revoke all on function report.shown_runs(integer[], integer, boolean[]) from public;
comment on function report.shown_runs(integer[], integer, boolean[]) is 'Which of a title''s nested counts as of one day (counts[1]: the day''s viewers; counts[n]: people with a run of at least n days) report.title_streaks shows: at least k, free (free[n]: no count of an earlier day holding the same people is 1 to k - 1 above it), and equal to the last shown count or at least k below it, so that no difference of shown counts is between 1 and k - 1.';

-- How many days of a week or month lie between the first and the last loaded day.
create or replace function report.days_covered(period_kind text, period_start date, first_day date, last_day date) returns integer
language sql immutable parallel safe
set search_path = pg_catalog
as $$
    select greatest(0, least(case period_kind when 'week' then period_start + 6 else (period_start + interval '1 month')::date - 1 end,
                             last_day) - greatest(period_start, first_day) + 1)
$$;
alter function report.days_covered(text, date, date, date) owner to tally_owner;
revoke all on function report.days_covered(text, date, date, date) from public;
comment on function report.days_covered(text, date, date, date) is 'Days of a week or month (period_kind, period_start) between first_day and last_day: the days_covered column of the period views.';

-- The weeks that overlap a month, with their days between first_day and last_day: in all (whole)
-- and inside the month (inside). A week with inside < whole crosses the month's edge with covered
-- days on both sides (I3m by weeks, edge weeks).
create or replace function report.month_weeks(month_start date, first_day date, last_day date)
returns table (monday date, whole integer, inside integer)
language sql immutable parallel safe
set search_path = pg_catalog
as $$
    select m.monday, report.days_covered('week', m.monday, first_day, last_day),
           report.days_covered('week', m.monday, greatest(first_day, month_start),
                               least(last_day, (month_start + interval '1 month')::date - 1))
    from generate_series(0, 5) n
    cross join lateral (select date_trunc('week', month_start)::date + 7 * n as monday) m
    where report.days_covered('week', m.monday, greatest(first_day, month_start),
                              least(last_day, (month_start + interval '1 month')::date - 1)) > 0
$$;
alter function report.month_weeks(date, date, date) owner to tally_owner;
revoke all on function report.month_weeks(date, date, date) from public;
comment on function report.month_weeks(date, date, date) is 'The weeks overlapping the month starting month_start that hold days between first_day and last_day inside it: each Monday, its days between first_day and last_day (whole) and those inside the month (inside).';

-- I3m: whether the people of a period on two of its units (days, or weeks and days) or more are
-- pinned between 1 and k - 1 to fewer than p values, when the units' viewers less the period's
-- (the units its people took past their first) lie between least_extra and most_extra. Each such
-- person took 1 to units - 1 of them, so they are at least least_extra / (units - 1), rounded up,
-- and at most most_extra. NULL (an unknown bound) pins nothing.
create or replace function report.pins_repeaters(least_extra bigint, most_extra bigint, units bigint, k integer, p integer) returns boolean
language sql immutable parallel safe
set search_path = pg_catalog
as $$
    select coalesce(units >= 2 and least_extra >= 1 and most_extra <= k - 1
                    and most_extra - (least_extra + units - 2) / (units - 1) + 1 < p, false)
$$;
alter function report.pins_repeaters(bigint, bigint, bigint, integer, integer) owner to tally_owner;
revoke all on function report.pins_repeaters(bigint, bigint, bigint, integer, integer) from public;
comment on function report.pins_repeaters(bigint, bigint, bigint, integer, integer) is 'I3m: whether least_extra to most_extra units past their first, over units units, pin the people on two units or more between 1 and k - 1 to fewer than p values (false when a bound is NULL).';

-- I3b: a period's people watched at most most_extra days past their first; the people of a
-- stored streak of L days below k inside it took L - 1 of those each, less what the people of a
-- streak of k or more viewers on other days of the period took (taken, as known). So such a
-- streak holds at most (most_extra - taken) / (L - 1) people, which must leave p values. One
-- check for both bounds the period view takes (its viewers' and, I4p, its plays').
create or replace function report.pins_streaks(most_extra bigint, lengths integer[], taken bigint[], p integer) returns boolean
language sql immutable parallel safe
set search_path = pg_catalog
as $$
    select exists (select 1 from unnest(lengths, taken) as r(streak_days, taken) where (most_extra - r.taken) / (r.streak_days - 1) < p - 1)
$$;
alter function report.pins_streaks(bigint, integer[], bigint[], integer) owner to tally_owner;
revoke all on function report.pins_streaks(bigint, integer[], bigint[], integer) from public;
comment on function report.pins_streaks(bigint, integer[], bigint[], integer) is 'I3b: whether most_extra days past their first, less what the people of streaks of k or more on other days took (taken[i]), pin a stored streak of lengths[i] days below k inside a period to fewer than p values (false when most_extra is NULL or there is no such streak).';

-- What a missing pair of two shown titles of va and vb viewers says of its people: fewer than k,
-- or 1 to k - 1 people of a title outside it (I2 hides it), or, for a week inside a month whose
-- pair of m people I2 would show, 1 to k - 1 fewer than m (I5p hides it), or held back by I2t
-- (report.held_pairs). How many values from lo to hi are of the first three kinds: all that a
-- pair I2 or I5p hides, or a couple below the floor, is known to keep (a pair I2t holds back keeps
-- its whole range: whether I2t would hold it at another value turns on the hidden counts it
-- protects). m is NULL for a month, and for a week with no such month pair.
create or replace function report.missing_pair_values(lo integer, hi integer, va integer, vb integer, k integer, m integer) returns bigint
language sql immutable parallel safe
set search_path = pg_catalog
as $$
    select count(*) from (
        select generate_series(lo, least(hi, k - 1))
        union
        select generate_series(greatest(lo, va - k + 1), least(hi, va - 1))
        union
        select generate_series(greatest(lo, vb - k + 1), least(hi, vb - 1))
        union
        -- (greatest and least ignore NULL: without the filter, a NULL m would count every value)
        select generate_series(greatest(lo, m - k + 1), least(hi, m - 1)) where m is not null
    ) v
$$;
alter function report.missing_pair_values(integer, integer, integer, integer, integer, integer) owner to tally_owner;
revoke all on function report.missing_pair_values(integer, integer, integer, integer, integer, integer) from public;
comment on function report.missing_pair_values(integer, integer, integer, integer, integer, integer) is 'I2t: how many values from lo to hi the people of a missing pair of titles of va and vb viewers may be, as an attacker who knows I2 and I5p reads it, when I2t did not hold it back: below k, leaving 1 to k - 1 people of a title outside it, or (a week''s pair whose month''s pair of m people I2 would show; m NULL otherwise) 1 to k - 1 below m.';

-- I2t: a hidden pair bounded through third titles. A pair A, B hidden by I2 (or stored below k)
-- between two shown title-periods is bounded by the shown pairs of A and B with third titles:
-- through one title C whose pairs with both are shown, the people of A and B number at least
-- AC + BC - C and at most A - AC + BC and B - BC + AC; through two, C and D, whose five other
-- pairs are shown, the bounds are those of a linear program over the people of each pattern of
-- the four titles, ten expressions more, each of which uses all five pairs (docs/analysts.md).
-- While some hidden pair's bounds leave it fewer than p values (the protection level, here at most
-- k - 1), the smallest shown pair of the third titles that give its highest least or its lowest
-- most value is hidden too, and the bounds are taken again (hiding a pair only widens them, and
-- the pair hidden is bounded in turn). A missing pair says something too: its people are fewer than k,
-- or leave 1 to k - 1 of a title's people outside it (I2), or it is held back here. For a pair I2
-- hides and a couple below the floor, the values the bounds leave are counted among the first two
-- kinds only (report.missing_pair_values); a pair held back here keeps its whole range.
-- Couples of titles with no stored pair (below the floor) are bounded too where one title lies
-- inside a third, or where a lower bound through one or two thirds reaches k - p + 1: only then
-- can these bounds leave one fewer than p values (docs/analysts.md, I2t; LinearProgramTests).
-- The arguments are the stored pairs of two shown title-periods,
-- one row each (a_keys < b_keys); candidate: I2 (and I5p) would show it; month_shared: for a week's
-- pair, the pair of the month holding the week when I2 would show it (I5p), else NULL: a missing
-- week's pair may be 1 to k - 1 below it, and one that I2 or I5p hides is bounded by it from above;
-- week_shared: for a month's pair, the largest pair of a week inside it that I2 would show, else
-- NULL: it bounds a month's pair that I2 hides from below.
-- Returns the candidates to hide.
create or replace function report.held_pairs(
    pair_kinds text[], pair_starts date[], pair_a integer[], pair_b integer[], pair_shared integer[], pair_viewers_a integer[],
    pair_viewers_b integer[], pair_candidate boolean[], pair_month_shared integer[], pair_week_shared integer[], k integer,
    protection integer)
returns table (held_kind text, held_start date, held_a integer, held_b integer)
language plpgsql immutable parallel safe
-- The arrays' sizes are unknown to a generic plan; the joins are written in the order to run.
set search_path = pg_catalog
set enable_nestloop = off
set join_collapse_limit = 1
as $$
declare
    shown_now boolean[] := pair_candidate;
    -- The values a hidden pair keeps: at most k - 1. Once a lower bound passes k - 1, a pair that I2
    -- hides may only leave 1 to k - 1 people of a title outside it (k - 1 values, up to k where the
    -- titles are fewer than k apart), and holding it to more would hide pair after pair that gives
    -- it a lower bound of k or more (docs/analysts.md, I2t). So at p of k or more, a missing couple
    -- may be known to hold somebody.
    enough integer := least(coalesce(protection, (k + 1) / 2), k - 1);
    -- A couple below k keeps fewer than enough values that a missing pair may take only from a lower
    -- bound of pinning (2 or more).
    pinning integer := k - enough + 1;
    victims bigint[];
    victim bigint;
begin
    loop
        with pairs as materialized (
            select u.kind, u.start, u.a, u.b, u.shared, u.va, u.vb, u.shown, u.m, u.wf, u.i
            from unnest(pair_kinds, pair_starts, pair_a, pair_b, pair_shared, pair_viewers_a, pair_viewers_b, shown_now, pair_month_shared,
                        pair_week_shared)
                with ordinality u (kind, start, a, b, shared, va, vb, shown, m, wf, i)
        ), edges as materialized (
            -- Both orders of every shown pair.
            select kind, start, a, b, shared, i from pairs where shown
            union all
            select kind, start, b, a, shared, i from pairs where shown
        ), viewers as materialized (
            select kind, start, a as title, va as viewers from pairs
            union
            select kind, start, b, vb from pairs
        ), covered as materialized (
            -- Title a with two thirds c < d whose pair is shown, when a's people in both number at
            -- least s = AC + AD - A >= pinning (the larger of AC and AD is at least half of A + pinning).
            select ac.kind, ac.start, ac.a, least(ac.b, ad.b) as c, greatest(ac.b, ad.b) as d, ac.shared + ad.shared - va.viewers as s,
                   cd.shared as cd
            from edges ac
            join viewers va on va.kind = ac.kind and va.start = ac.start and va.title = ac.a and 2 * ac.shared >= va.viewers + pinning
            join edges ad on ad.kind = ac.kind and ad.start = ac.start and ad.a = ac.a and ad.b <> ac.b
                and ac.shared + ad.shared - va.viewers >= pinning and (ad.shared < ac.shared or (ad.shared = ac.shared and ad.b > ac.b))
            join edges cd on cd.kind = ac.kind and cd.start = ac.start and cd.a = ac.b and cd.b = ad.b
        ), filled as materialized (
            -- The pairs ac of a third c that may be the larger side below (AC at least k and half of
            -- room + pinning), with the least room any d leaves: c's people outside its largest pair.
            select ac.kind, ac.start, ac.a, ac.b, ac.shared
            from (select kind, start, a, max(shared) as most from edges group by kind, start, a) m
            join viewers vc on vc.kind = m.kind and vc.start = m.start and vc.title = m.a
            join edges ac on ac.kind = m.kind and ac.start = m.start and ac.a = m.a
                and 2 * (ac.shared - k) >= greatest(vc.viewers - m.most, pinning) + pinning
        ), squeezed as materialized (
            -- Third c with d, whose pair is shown, leaving room = C - CD people of c outside d, and
            -- title a with s = AC - AD of them at least, the larger of two titles' (at least half
            -- of room + pinning, so AC at least that and k, AD being shown). Where CD is at most
            -- AD + BD, the bound is at most AC + BC - C, searched above: so CD is above AD + k.
            select cd.kind, cd.start, cd.a as c, cd.b as d, vc.viewers - cd.shared as room, cd.shared as cd, ad.shared as ad, ac.b as a,
                   ac.shared - ad.shared as s
            from edges cd
            join viewers vc on vc.kind = cd.kind and vc.start = cd.start and vc.title = cd.a and vc.viewers - cd.shared >= pinning
                and cd.shared > 2 * k
            join filled ac on ac.kind = cd.kind and ac.start = cd.start and ac.a = cd.a and ac.b <> cd.b
                and 2 * (ac.shared - k) >= vc.viewers - cd.shared + pinning
            join edges ad on ad.kind = cd.kind and ad.start = cd.start and ad.a = cd.b and ad.b = ac.b
                and ad.shared < cd.shared - k and 2 * (ac.shared - ad.shared) >= vc.viewers - cd.shared + pinning
        ), hidden as materialized (
            -- The hidden pairs to bound: the stored pairs not shown, and the couples of two titles
            -- that store no pair (fewer people than the floor) that these bounds may narrow below
            -- p: one title's people all lie in a third title whose pairs with both are shown (x
            -- inside z: xz's shared is x's viewers), or a lower bound through one third or two
            -- reaches pinning. Without either, they leave a couple below k at least k + 1 values
            -- wide, k - lower bound of them below k (docs/analysts.md, I2t; LinearProgramTests). Their
            -- count is unknown here (NULL), and numbered after the stored pairs.
            select i as h, kind, start, a, b, shared, va, vb, pair_candidate[i] as held, m, wf from pairs where not shown
            union all
            select cardinality(pair_a) + row_number() over (), c.kind, c.start, c.a, c.b, null, va.viewers, vb.viewers, false, null, null
            from (
                select xz.kind, xz.start, least(xz.a, yz.a) as a, greatest(xz.a, yz.a) as b
                from edges xz
                join viewers x on x.kind = xz.kind and x.start = xz.start and x.title = xz.a and x.viewers = xz.shared
                join edges yz on yz.kind = xz.kind and yz.start = xz.start and yz.b = xz.b and yz.a <> xz.a
                union
                -- Through one third C: AC + BC - C, so the larger of AC and BC is at least half of C + pinning.
                select xz.kind, xz.start, least(xz.a, yz.a), greatest(xz.a, yz.a)
                from edges xz
                join viewers z on z.kind = xz.kind and z.start = xz.start and z.title = xz.b and 2 * xz.shared >= z.viewers + pinning
                join edges yz on yz.kind = xz.kind and yz.start = xz.start and yz.b = xz.b and yz.a <> xz.a
                where xz.shared + yz.shared - z.viewers >= pinning
                union
                -- Through C and D, AC + AD + BC + BD - CD - A - B: each title has AC + AD - its
                -- viewers (its people in both thirds, at least) of pinning or more (covered).
                select x.kind, x.start, least(x.a, y.a), greatest(x.a, y.a)
                from covered x
                join covered y on y.kind = x.kind and y.start = x.start and y.c = x.c and y.d = x.d and y.a <> x.a
                where x.s + y.s - x.cd >= pinning
                union
                -- Through C and D, AC - AD + BC - BD + CD - C: each title has AC - AD (its people
                -- in C outside D, at least) of pinning or more, together C - CD + pinning or more,
                -- the larger at least half of that (squeezed); BD is shown, so BC is k more, and
                -- below CD - AD.
                select x.kind, x.start, least(x.a, bc.b), greatest(x.a, bc.b)
                from squeezed x
                join edges bc on bc.kind = x.kind and bc.start = x.start and bc.a = x.c and bc.b <> x.a and bc.b <> x.d
                    and bc.shared >= k + greatest(pinning, x.room + pinning - x.s)
                join edges bd on bd.kind = x.kind and bd.start = x.start and bd.a = x.d and bd.b = bc.b
                where bc.shared - bd.shared >= greatest(pinning, x.room + pinning - x.s) and bd.shared < x.cd - x.ad
            ) c
            join viewers va on va.kind = c.kind and va.start = c.start and va.title = c.a
            join viewers vb on vb.kind = c.kind and vb.start = c.start and vb.title = c.b
            where not exists (select 1 from pairs p where p.kind = c.kind and p.start = c.start and p.a = c.a and p.b = c.b)
        ), from_a as materialized (
            -- Each hidden pair h with each title c with which a has a shown pair.
            select h.h, h.kind, h.start, h.b, h.shared, h.va, h.vb, ac.b as c, ac.shared as ac, ac.i as ac_i
            from hidden h
            join edges ac on ac.kind = h.kind and ac.start = h.start and ac.a = h.a
        ), thirds as materialized (
            -- ... and with which b has one too: a third title.
            select f.h, f.kind, f.start, f.shared, f.va, f.vb, f.c, v.viewers as vc, f.ac, bc.shared as bc, f.ac_i, bc.i as bc_i
            from from_a f
            join edges bc on bc.kind = f.kind and bc.start = f.start and bc.a = f.b and bc.b = f.c
            join viewers v on v.kind = f.kind and v.start = f.start and v.title = f.c
        ), witnesses as materialized (
            select h, shared, va, vb, ac + bc - vc as lo, least(va - ac + bc, vb - bc + ac) as hi, array[ac_i, bc_i] as used
            from thirds
            union all
            select c.h, c.shared, c.va, c.vb,
                   greatest(c.ac + d.ac + c.bc + d.bc - cd.shared - c.va - c.vb,
                            c.ac + d.ac + c.bc + d.bc - cd.shared - c.vc - d.vc,
                            c.ac - d.ac + c.bc - d.bc + cd.shared - c.vc,
                            d.ac - c.ac + d.bc - c.bc + cd.shared - d.vc),
                   least(c.va + c.vc + c.ac - d.ac - c.bc + d.bc - cd.shared,
                         c.va + d.vc - c.ac + d.ac + c.bc - d.bc - cd.shared,
                         c.va - c.ac - d.ac + c.bc + d.bc + cd.shared,
                         c.vb + c.vc - c.ac + d.ac + c.bc - d.bc - cd.shared,
                         c.vb + d.vc + c.ac - d.ac - c.bc + d.bc - cd.shared,
                         c.vb + c.ac + d.ac - c.bc - d.bc + cd.shared),
                   array[c.ac_i, c.bc_i, d.ac_i, d.bc_i, cd.i]
            from thirds c
            join thirds d on d.h = c.h and d.c > c.c
            join edges cd on cd.kind = c.kind and cd.start = c.start and cd.a = c.c and cd.b = d.c
        ), bounded as (
            -- Each hidden pair's closest bounds: through its thirds, its titles, and, for a pair
            -- that I2 or I5p hides, a week's month's pair above it or a month's weeks' pairs below
            -- it (greatest and least ignore NULL). Those are I2's candidates, not the pairs shown:
            -- a pair held back here in both periods would bound itself. So a pair held back keeps
            -- its range through thirds and titles only (docs/analysts.md, What is not yet protected).
            select w.h, hd.shared, hd.va, hd.vb, hd.held, hd.m,
                   greatest(0, max(w.lo), case when not hd.held then hd.wf end) as lo,
                   least(hd.va, hd.vb, min(w.hi), case when not hd.held then hd.m end) as hi, least(hd.va, hd.vb) as most
            from witnesses w
            join hidden hd on hd.h = w.h
            group by w.h, hd.shared, hd.va, hd.vb, hd.held, hd.m, hd.wf
        ), narrow as (
            -- The values left: the whole range for a pair held back, else those a missing pair may take.
            select h, lo, hi, most
            from bounded
            where (shared is null or shared between lo and hi)
              and case when held then hi - lo + 1 < enough else report.missing_pair_values(lo, hi, va, vb, k, m) < enough end
        )
        select array_agg(distinct x.victim) into victims
        from (
            -- Per narrow pair, the smallest shown pair of the witnesses that bound it most closely.
            select distinct on (n.h) u.i as victim
            from narrow n
            join witnesses w on w.h = n.h and ((w.lo = n.lo and n.lo > 0) or (w.hi = n.hi and n.hi < n.most))
            cross join unnest(w.used) u (i)
            join pairs p on p.i = u.i
            order by n.h, p.shared, p.kind, p.start, p.a, p.b
        ) x;
        exit when victims is null;
        foreach victim in array victims loop
            shown_now[victim] := false;
        end loop;
    end loop;
    return query
        select u.kind, u.start, u.a, u.b
        from unnest(pair_kinds, pair_starts, pair_a, pair_b, pair_candidate, shown_now) u (kind, start, a, b, candidate, shown)
        where u.candidate and not u.shown;
end
$$;
-- A decision kept by an earlier load was made by the functions this file replaces: forget them all
-- (the end of this file decides again).
truncate analytics.coviewing_decisions, analytics.coviewing_held;
alter function report.held_pairs(text[], date[], integer[], integer[], integer[], integer[], integer[], boolean[], integer[], integer[], integer, integer) owner to tally_owner;
revoke all on function report.held_pairs(text[], date[], integer[], integer[], integer[], integer[], integer[], boolean[], integer[], integer[], integer, integer) from public;
comment on function report.held_pairs(text[], date[], integer[], integer[], integer[], integer[], integer[], boolean[], integer[], integer[], integer, integer) is 'I2t: which pairs that I2 lets report.coviewing show it hides so that no hidden pair (I2, or stored below k) of two shown title-periods, nor a couple of them that stores no pair, is bounded to fewer than protection values through one or two third titles whose pairs with it are shown; for a pair I2 or I5p hides and a couple, only the values a missing pair may take count (report.missing_pair_values). The protection level (NULL: ceil(k / 2)) counts as at most k - 1 here: once a lower bound passes k - 1, a pair that I2 hides keeps only the values of its titles'' bands, k - 1 or (titles fewer than k apart) up to k. Couples are searched where one title lies inside a third or a lower bound reaches k - least(protection, k - 1) + 1 (2 or more). Arguments: the stored pairs of two shown title-periods, one row each (period kind and start, title keys a < b, shared viewers, the two titles'' viewers, whether I2 and I5p show it, for a week''s pair the pair of the month holding it when I2 would show that, else NULL, and for a month''s pair the largest pair of a week inside it that I2 would show, else NULL), k and the protection level; reads no table.';

-- The protection setting's comment (first set by V0022), with what I2t makes of it.
comment on column report.settings.protection is 'Protection level: the report views never let published counts narrow a hidden count of people (fewer than k) to a range of fewer than this many values (docs/analysts.md lists the identities); co-viewing pairs take it as k - 1 at most, so above that a missing couple may be known to hold somebody (I2t, report.held_pairs). NULL (default): ceil(k / 2).';

-- Every count of people a title has as of a day, by title id (a renamed title keeps its runs): the
-- day's viewers as a run of 1 day, then its streaks. Read by report.title_streaks and the
-- periods-against-days rule; not granted to analysts.
create view analytics.title_runs with (security_barrier) as
select coalesce(t.title_id, -1) as title_ref, d.full_date as as_of, f.title_key, 1 as streak_days, f.viewers
from analytics.fact_title_daily f
join analytics.dim_date d on d.date_key = f.date_key
join analytics.dim_title t on t.title_key = f.title_key
union all
select coalesce(t.title_id, -1), d.full_date, f.title_key, f.streak_days, f.viewers
from analytics.fact_title_streak f
join analytics.dim_date d on d.date_key = f.as_of_date_key
join analytics.dim_title t on t.title_key = f.title_key;
alter view analytics.title_runs owner to tally_owner;
revoke all on analytics.title_runs from public;
comment on view analytics.title_runs is 'Every count of people of a title as of a day, by title id: the day''s viewers (streak_days 1) and its streaks. Read by report.title_streaks; not granted to analysts.';

create view analytics.title_daily_live with (security_barrier) as
select
    d.full_date as day,
    t.title_id,
    t.name as title,
    t.kind,
    f.viewers,
    f.plays,
    f.completed_plays,
    f.skips,
    round(f.watch_seconds / 3600.0, 1) as watch_hours
from analytics.fact_title_daily f
join analytics.dim_date d on d.date_key = f.date_key
join analytics.dim_title t on t.title_key = f.title_key
cross join report.settings s
where f.viewers >= s.k;

create view analytics.title_ratings_live with (security_barrier) as
select
    d.full_date as day,
    t.title_id,
    t.name as title,
    t.kind,
    f.raters,
    f.thumbs_up,
    f.thumbs_down
from analytics.fact_title_daily f
join analytics.dim_date d on d.date_key = f.date_key
join analytics.dim_title t on t.title_key = f.title_key
cross join report.settings s
-- Thumbs count ratings, and each rater gave at least one: the people who gave a thumbs-down are at
-- least raters - thumbs_up and at most thumbs_down, and where each rated once, exactly
-- thumbs_down. So each side is shown only when it is empty or those bounds put it at k or more.
where f.raters >= s.k
  and (f.thumbs_down = 0 or f.raters - f.thumbs_up >= s.k)
  and (f.thumbs_up = 0 or f.raters - f.thumbs_down >= s.k);

create view analytics.title_unions with (security_barrier) as
-- Two counts of a title whose runs overlap or meet, n1 = (a1, b1) and n2 = (a2, b2) with
-- a1 < a2 <= b1 + 1 and b1 < b2 (two days in a row, a day and a streak, two streaks), and their
-- overlap q = (a1, b2), all of k or more viewers: their union n1 + n2 - q is known exactly, so
-- the week or month holding all of a1 to b2, less it, is its people on neither (I3u).
-- The runs of k or more viewers are read once, and joined on equal keys (the day before a run
-- starts, the day it ends): joined on the title alone and filtered, a busy year took 11 s, not 0.1 s.
with runs as materialized (
    select r.title_ref, r.as_of, r.streak_days, r.viewers, r.as_of - r.streak_days as day_before
    from analytics.title_runs r
    cross join report.settings s
    where r.viewers >= s.k
)
select x.period_kind, x.period_start, q.title_ref, array_agg(n1.viewers + n2.viewers - q.viewers) as unions
from runs q
join runs n1
    on n1.title_ref = q.title_ref and n1.day_before = q.day_before and n1.as_of between q.as_of - q.streak_days + 1 and q.as_of - 1
join runs n2
    on n2.title_ref = q.title_ref and n2.as_of = q.as_of and n2.streak_days < q.streak_days and n2.day_before <= n1.as_of
cross join lateral (values ('week', date_trunc('week', q.as_of - q.streak_days + 1)::date, date_trunc('week', q.as_of)::date),
                           ('month', date_trunc('month', q.as_of - q.streak_days + 1)::date, date_trunc('month', q.as_of)::date))
    x (period_kind, period_start, last_start)
where q.streak_days >= 2 and x.period_start = x.last_start
group by 1, 2, 3;
alter view analytics.title_unions owner to tally_owner;
revoke all on analytics.title_unions from public;
comment on view analytics.title_unions is 'Per title, week and month: the unions of two of its counts (days and streaks) whose runs overlap or meet, known exactly from their overlap, all of k or more viewers. Read by report_periods and group_totals (I3u); not granted to analysts.';

-- Weeks and months alike: each title-period that the report shows (at least k viewers, and I3), with
-- its plays where they describe no fewer than k people (I4). Not readable by analysts; title_weekly,
-- title_monthly and title_breakdown read it.
create view analytics.report_periods_live with (security_barrier) as
with title_weeks as materialized (
    -- Per title, its weeks of k or more viewers.
    select coalesce(t.title_id, -1) as title_ref, w.period_start as week_start, max(w.viewers) as viewers
    from analytics.fact_title_period w
    join analytics.dim_title t on t.title_key = w.title_key
    cross join report.settings s
    where w.period_kind = 'week' and w.viewers >= s.k
    group by 1, 2
), inner_weeks as materialized (
    -- Those that lie inside one month.
    select * from title_weeks where date_trunc('month', week_start) = date_trunc('month', week_start + 6)
), title_days as materialized (
    -- Each title-day with its title's id, its week and its month, joined first: the joins below
    -- then meet it on both keys (left to itself, the planner joined every title to every day of a
    -- 20-year history first).
    select f.date_key, f.title_key, coalesce(t.title_id, -1) as title_ref, d.full_date, d.week_start, d.month_start, f.viewers, f.plays,
           f.thumbs_up, f.thumbs_down,
           -- whether title_ratings shows the day's thumbs (the same test)
           f.raters >= s.k and (f.thumbs_down = 0 or f.raters - f.thumbs_up >= s.k) and (f.thumbs_up = 0 or f.raters - f.thumbs_down >= s.k)
               as thumbs_shown
    from analytics.fact_title_daily f
    cross join report.settings s
    join analytics.dim_date d on d.date_key = f.date_key
    join analytics.dim_title t on t.title_key = f.title_key
), days as (
    -- Each title-day in each of its periods: whether title_daily shows it, and, for a shown day whose
    -- previous day is shown too and in the same period, the people who watched on both.
    select
        x.period_kind,
        x.period_start,
        f.title_ref,
        -- for a month: whether the day lies in one of its weeks of k or more viewers (I3 with I3w)
        x.period_kind = 'month' and iw.week_start is not null as in_big_week,
        -- for a month: whether the day lies in one of its whole weeks (I3m by weeks)
        x.period_kind = 'month' and f.week_start >= f.month_start and date_trunc('month', f.week_start + 6) = f.month_start as in_whole_week,
        f.viewers,
        f.plays,
        f.thumbs_up,
        f.thumbs_down,
        f.thumbs_shown,
        f.viewers >= s.k as shown,
        case when f.viewers >= s.k and p.viewers >= s.k and x.previous_start = x.period_start
             -- the 2-day streak only where title_streaks shows it (report.shown_runs for length 2,
             -- free against the previous day's viewers)
             and b.viewers >= s.k and (b.viewers = f.viewers or b.viewers <= f.viewers - s.k)
             and (b.viewers = p.viewers or b.viewers <= p.viewers - s.k) then b.viewers end as both_days
    from title_days f
    cross join report.settings s
    -- the previous day by title id: a title renamed overnight has another key that day
    left join title_days p on p.full_date = f.full_date - 1 and p.title_ref = f.title_ref
    left join analytics.fact_title_streak b on b.as_of_date_key = f.date_key and b.title_key = f.title_key and b.streak_days = 2
    left join inner_weeks iw on iw.title_ref = f.title_ref and iw.week_start = f.week_start
    cross join lateral (values ('week', f.week_start, date_trunc('week', f.full_date - 1)::date),
                               ('month', f.month_start, date_trunc('month', f.full_date - 1)::date)) x (period_kind, period_start, previous_start)
), periods as (
    -- Per title and period: whether a day is hidden, and the most people the shown days can hold
    -- together (their viewers less the people of each two shown days in a row; an attacker who
    -- reads title_streaks can know no more).
    select
        period_kind,
        period_start,
        title_ref,
        bool_or(not shown) as has_hidden_day,
        count(*) filter (where not shown) as hidden_days,
        -- the hidden days with a play (a day with ratings only has a row of 0 viewers)
        count(*) filter (where not shown and viewers > 0) as hidden_played,
        count(*) filter (where shown) as shown_count,
        sum(viewers) filter (where shown) as shown_sum,
        -- the shown days' plays, which title_daily publishes: the period's plays less them are
        -- the plays of its hidden days
        coalesce(sum(plays) filter (where shown), 0) as shown_plays,
        -- the period's thumbs, and those of its days that title_ratings shows
        sum(thumbs_up) as thumbs_up,
        sum(thumbs_down) as thumbs_down,
        coalesce(sum(thumbs_up) filter (where thumbs_shown), 0) as shown_up,
        coalesce(sum(thumbs_down) filter (where thumbs_shown), 0) as shown_down,
        min(viewers) filter (where shown) as least_shown,
        array_agg(viewers) filter (where shown) as shown_days,
        coalesce(sum(viewers) filter (where shown), 0) - coalesce(sum(both_days), 0) as shown_days_hold,
        -- for a month, the same for its days outside its weeks of k or more viewers
        count(*) filter (where not shown and not in_big_week) as hidden_out,
        coalesce(sum(viewers) filter (where shown and not in_big_week), 0)
            - coalesce(sum(both_days) filter (where not in_big_week), 0) as days_out_hold,
        -- for a month, its shown and hidden days outside its whole weeks
        count(*) filter (where shown and not in_whole_week) as loose_shown,
        count(*) filter (where not shown and not in_whole_week and viewers > 0) as loose_hidden,
        coalesce(sum(viewers) filter (where shown and not in_whole_week), 0) as loose_sum
    from days
    group by period_kind, period_start, title_ref
), month_weeks as materialized (
    -- Per title and month, the weeks that overlap it: the sum of those with k or more viewers, and
    -- how many have fewer (I3w).
    select x.month_start, coalesce(t.title_id, -1) as title_ref,
           coalesce(sum(w.viewers) filter (where w.viewers >= s.k), 0) as big_weeks,
           count(*) filter (where w.viewers between 1 and s.k - 1) as small_weeks
    from analytics.fact_title_period w
    join analytics.dim_title t on t.title_key = w.title_key
    cross join report.settings s
    cross join lateral (select distinct m from unnest(array[date_trunc('month', w.period_start)::date,
                                                            date_trunc('month', w.period_start + 6)::date]) m) x (month_start)
    where w.period_kind = 'week'
    group by x.month_start, coalesce(t.title_id, -1)
), edge_floors as materialized (
    -- Per title and month, each week that crosses the month's edge: its most viewers on one shown
    -- day inside the month (I3m by weeks, edge weeks).
    select title_ref, month_start, week_start, max(viewers) as floor
    from title_days
    cross join report.settings s
    where viewers >= s.k and (week_start < month_start or date_trunc('month', week_start + 6) > month_start)
    group by title_ref, month_start, week_start
), played_parts as materialized (
    -- Per title and month, each week with a play on one of its days inside the month: the units of
    -- I3m by weeks that hold anybody (an attacker may know which days held nobody).
    select distinct title_ref, month_start, week_start from title_days where viewers > 0
), month_whole_weeks as materialized (
    -- Per title and month, its whole weeks (Monday to Sunday inside it) with a play: how many, and
    -- the sum and number of those of k or more viewers, taken as known (I3m by weeks); the others
    -- hold 1 to k - 1.
    select pp.title_ref, pp.month_start, count(*) as weeks, coalesce(sum(iw.viewers), 0) as known, count(iw.viewers) as known_weeks
    from played_parts pp
    left join inner_weeks iw on iw.title_ref = pp.title_ref and iw.week_start = pp.week_start
    where pp.week_start >= pp.month_start and date_trunc('month', pp.week_start + 6) = pp.month_start
    group by pp.title_ref, pp.month_start
), month_budget as materialized (
    -- Per title and month, for I4p: the least people, counted once a day, that its hidden days must
    -- hold (each hidden day with a play 1 or more; a week of k or more viewers, taken as known, at
    -- least its viewers less its shown days in the month), the least of that less its hidden days
    -- over the weeks with one, and for the weeks below k the least of their shown days and that.
    select w.title_ref, w.month_start,
           sum(w.least_hidden) as least_hidden,
           min(w.least_hidden - w.hidden_days) filter (where w.hidden_days > 0) as day_slack,
           min(w.shown_viewers + w.least_hidden) filter (where w.week_viewers is null and w.hidden_days > 0) as small_week_base
    from (
        select d.title_ref, d.month_start, d.week_start, d.hidden_days, d.shown_viewers, tw.viewers as week_viewers,
               greatest(d.hidden_days, coalesce(tw.viewers - d.shown_viewers, 0)) as least_hidden
        from (
            select title_ref, month_start, week_start,
                   count(*) filter (where viewers between 1 and s.k - 1) as hidden_days,
                   coalesce(sum(viewers) filter (where viewers >= s.k), 0) as shown_viewers
            from title_days
            cross join report.settings s
            group by title_ref, month_start, week_start
        ) d
        left join title_weeks tw on tw.title_ref = d.title_ref and tw.week_start = d.week_start
    ) w
    group by w.title_ref, w.month_start
), month_inner_weeks as (
    select date_trunc('month', week_start)::date as month_start, title_ref, sum(viewers) as weeks_hold
    from inner_weeks
    group by 1, 2
), stored as materialized (
    -- The title-periods of k or more viewers, with their title's id, so that they meet their days
    -- on all three keys at once (the planner, misled by the estimate of periods, would otherwise
    -- join them on the period alone first: 72 million rows on a 20-year history).
    select p.*, t.title_id, t.name as title, t.kind, coalesce(t.title_id, -1) as title_ref
    from analytics.fact_title_period p
    join analytics.dim_title t on t.title_key = p.title_key
    cross join report.settings s
    where p.viewers >= s.k
), period_runs as materialized (
    -- Per title and period, its stored streaks whose run lies inside it, with their first and
    -- last days (I3b).
    select x.period_kind, x.period_start, r.title_ref, r.as_of - r.streak_days + 1 as first_day, r.as_of as last_day, r.streak_days, r.viewers
    from analytics.title_runs r
    cross join lateral (values ('week', date_trunc('week', r.as_of - r.streak_days + 1)::date, date_trunc('week', r.as_of)::date),
                               ('month', date_trunc('month', r.as_of - r.streak_days + 1)::date, date_trunc('month', r.as_of)::date))
        x (period_kind, period_start, last_start)
    where r.streak_days >= 2 and x.period_start = x.last_start
), small_runs as (
    -- Per title and period, its stored streaks of fewer than k people inside it (lengths), each
    -- with the most days past their first that the people of one streak of k or more viewers on
    -- other days of the period watched: L - 1 each, taken as known (I3b, report.pins_streaks).
    select period_kind, period_start, title_ref, array_agg(streak_days) as lengths, array_agg(taken) as taken
    from (
        select m.period_kind, m.period_start, m.title_ref, m.streak_days,
               coalesce(max((o.streak_days - 1) * o.viewers), 0)::bigint as taken
        from period_runs m
        cross join report.settings s
        left join period_runs o
            on o.period_kind = m.period_kind and o.period_start = m.period_start and o.title_ref = m.title_ref
           and o.viewers >= s.k and (o.last_day < m.first_day or o.first_day > m.last_day)
        where m.viewers < s.k
        group by m.period_kind, m.period_start, m.title_ref, m.first_day, m.streak_days
    ) r
    group by period_kind, period_start, title_ref
), loaded as (
    -- The days the warehouse holds facts for: from its first day with a play to its last.
    select to_date(min(date_key)::text, 'YYYYMMDD') as first_day, to_date(max(date_key)::text, 'YYYYMMDD') as last_day
    from analytics.fact_title_daily
), title_first as (
    -- Each title's first day with a play: an attacker who knows its premiere knows that the days
    -- before it held nobody (I3b, I3m).
    select title_ref, min(full_date) as first_day
    from title_days
    group by title_ref
), month_units as materialized (
    -- Per title-month of k or more viewers, its days split by week as units (I3m by weeks, edge
    -- weeks): a week whose covered days all lie in the month is known at k or more viewers and 1
    -- to k - 1 otherwise; the month's days of a week that crosses its edge hold at most that
    -- week's viewers (k - 1 when fewer) and at least its most viewers on one shown day among them
    -- (1 when none is shown). A unit without a play holds nobody, and is not counted. Days are
    -- covered from the title's first play.
    select p.title_ref, p.period_start as month_start, count(pp.week_start) as units,
           sum(case when pp.week_start is null then 0
                    when c.inside < c.whole then greatest(coalesce(ef.floor, 0), 1) else coalesce(w.viewers, 1) end) as least_units,
           sum(case when pp.week_start is null then 0 else coalesce(w.viewers, s.k - 1) end) as most_units
    from (select distinct title_ref, period_start from stored where period_kind = 'month') p
    cross join report.settings s
    cross join loaded l
    join title_first tf on tf.title_ref = p.title_ref
    cross join report.month_weeks(p.period_start, greatest(l.first_day, tf.first_day), l.last_day) c
    left join title_weeks w on w.title_ref = p.title_ref and w.week_start = c.monday
    left join edge_floors ef on ef.title_ref = p.title_ref and ef.month_start = p.period_start and ef.week_start = c.monday
    left join played_parts pp on pp.title_ref = p.title_ref and pp.month_start = p.period_start and pp.week_start = c.monday
    group by p.title_ref, p.period_start
), candidates as (
    -- The title-periods shown (at least k viewers, I3, and I5 against their days), and whether their plays are shown by
    -- the hidden-days rule: the period's plays less its shown days' plays are the plays of its
    -- hidden days, which the engine counts the people of (small_day_viewers: the people on days
    -- below small_day_below viewers; every such day must be hidden now, so they are a lower bound).
    select
        p.*,
        -- I7: a month's thumbs, each side 0 or k or more ratings (a side of fewer gives its raters
        -- 1 to that many), and so is what its days that title_ratings hides add to each side
        -- (the month less the shown days); weeks show none, so no week is subtracted from a month.
        p.period_kind = 'month'
        and (x.thumbs_up = 0 or (x.thumbs_up >= s.k and x.thumbs_up - x.shown_up not between 1 and s.k - 1))
        and (x.thumbs_down = 0 or (x.thumbs_down >= s.k and x.thumbs_down - x.shown_down not between 1 and s.k - 1)) as thumbs_shown,
        x.thumbs_up,
        x.thumbs_down,
        x.has_hidden_day,
        x.has_hidden_day and p.small_day_viewers >= s.k and coalesce(x.least_shown >= p.small_day_below, true) as plays_by_rule,
        -- I4p: whether the period's plays, once shown, leave every bound of the rules below at least
        -- p values wide. Each person of a day played on it at least once, so the hidden days hold at
        -- most their plays (the period's less the shown days') together, and the days its people
        -- watched past their first are at most the days' plays less its viewers: upper bounds that
        -- the rules, which take each hidden day at k - 1, do not have.
        (x.hidden_played = 0
         or least(s.k - 1, pb.hidden_plays - (x.hidden_played - 1))
            - greatest(1, p.viewers - x.shown_days_hold - (x.hidden_played - 1) * (s.k - 1)) + 1 >= coalesce(s.protection, (s.k + 1) / 2))
        and (p.period_kind <> 'month' or coalesce(mw.small_weeks, 0) = 0
             or least(s.k - 1, p.plays - mw.big_weeks - (mw.small_weeks - 1))
                - greatest(1, p.viewers - mw.big_weeks - (mw.small_weeks - 1) * (s.k - 1)) + 1 >= coalesce(s.protection, (s.k + 1) / 2))
        -- for a month, with its weeks of k or more viewers taking their share of the hidden days'
        -- plays first (month_budget): a hidden day outside them, and a week below k
        and (p.period_kind <> 'month' or mb.day_slack is null
             or least(s.k - 1, pb.hidden_plays - mb.least_hidden + mb.day_slack + 1)
                - greatest(1, p.viewers - x.shown_days_hold - (x.hidden_played - 1) * (s.k - 1)) + 1 >= coalesce(s.protection, (s.k + 1) / 2))
        and (p.period_kind <> 'month' or mb.small_week_base is null
             or least(s.k - 1, pb.hidden_plays - mb.least_hidden + mb.small_week_base)
                - greatest(1, p.viewers - coalesce(mw.big_weeks, 0) - (greatest(coalesce(mw.small_weeks, 0), 1) - 1) * (s.k - 1)) + 1
                >= coalesce(s.protection, (s.k + 1) / 2))
        -- and the people of the hidden days together (or, for a month, of its weeks below k): at
        -- least the period less what the shown ones hold, at most those plays; 1 to k - 1 of them
        -- within fewer than p values is a small group singled out
        and not (p.viewers - x.shown_days_hold between 1 and s.k - 1
                 and least(x.hidden_played * (s.k - 1), pb.hidden_plays) - (p.viewers - x.shown_days_hold) + 1
                     < coalesce(s.protection, (s.k + 1) / 2))
        and not (p.period_kind = 'month' and p.viewers - mw.big_weeks between 1 and s.k - 1
                 and least(mw.small_weeks * (s.k - 1), p.plays - mw.big_weeks) - (p.viewers - mw.big_weeks) + 1
                     < coalesce(s.protection, (s.k + 1) / 2))
        and not report.pins_streaks(pb.most_extra, sr.lengths, sr.taken, coalesce(s.protection, (s.k + 1) / 2))
        and not report.pins_repeaters(e.least_extra, pb.most_extra, e.played, s.k, coalesce(s.protection, (s.k + 1) / 2))
        and (p.period_kind <> 'month' or not report.pins_repeaters(
            greatest(0, coalesce(ww.known + ww.weeks - ww.known_weeks, 0) + x.loose_sum + x.loose_hidden - p.viewers),
            least(pb.most_extra, coalesce(ww.known, 0) + x.loose_sum + (coalesce(ww.weeks - ww.known_weeks, 0) + x.loose_hidden) * (s.k - 1) - p.viewers),
            coalesce(ww.weeks, 0) + x.loose_shown + x.loose_hidden, s.k, coalesce(s.protection, (s.k + 1) / 2)))
        and (p.period_kind <> 'month' or not report.pins_repeaters(greatest(0, mu.least_units - p.viewers), least(pb.most_extra, mu.most_units - p.viewers),
                                                                   mu.units, s.k, coalesce(s.protection, (s.k + 1) / 2))) as plays_keep_bounds
    from stored p
    cross join report.settings s
    join periods x on x.period_kind = p.period_kind and x.period_start = p.period_start and x.title_ref = p.title_ref
    left join month_weeks mw on p.period_kind = 'month' and mw.month_start = p.period_start and mw.title_ref = p.title_ref
    left join month_inner_weeks miw on p.period_kind = 'month' and miw.month_start = p.period_start and miw.title_ref = p.title_ref
    left join analytics.title_unions ku on ku.period_kind = p.period_kind and ku.period_start = p.period_start and ku.title_ref = p.title_ref
    -- The days the period's people watched past their first (the days' viewers less the period's):
    -- at least what the shown days give with 1 for each hidden day, at most that with k - 1 for
    -- each, over the days with a play (I3b, I3m). An attacker may know which days held nobody (a
    -- title out of the catalogue, a premiere), so those count as known, and the others as not
    -- empty.
    cross join lateral (
        select greatest(0, coalesce(x.shown_sum, 0) + x.hidden_played - p.viewers) as least_extra,
               coalesce(x.shown_sum, 0) + x.hidden_played * (s.k - 1) - p.viewers as most_extra,
               x.shown_count + x.hidden_played as played) e
    -- The same with the period's plays (I4p): the hidden days' plays, and the most extra days.
    cross join lateral (
        select p.plays - x.shown_plays as hidden_plays,
               least(e.most_extra, coalesce(x.shown_sum, 0) + (p.plays - x.shown_plays) - p.viewers) as most_extra) pb
    -- For a month, the same with its whole weeks as units (month_whole_weeks) and its days
    -- outside them (I3m by weeks): the weeks' viewers less the month's are the weeks its people
    -- watched past their first.
    left join month_whole_weeks ww on p.period_kind = 'month' and ww.title_ref = p.title_ref and ww.month_start = p.period_start
    -- and with its days split by week as units (month_units)
    left join month_units mu on p.period_kind = 'month' and mu.title_ref = p.title_ref and mu.month_start = p.period_start
    left join month_budget mb on p.period_kind = 'month' and mb.title_ref = p.title_ref and mb.month_start = p.period_start
    left join small_runs sr on sr.period_kind = p.period_kind and sr.period_start = p.period_start and sr.title_ref = p.title_ref
    where true
      -- I3: the period's viewers less what the shown days can hold is a lower bound on the people of
      -- its hidden days together. Each hidden day holds at most k - 1, so one hidden day holds at
      -- least that bound less k - 1 for each other hidden day; that may narrow none of them below
      -- the protection level.
      and (not x.has_hidden_day
           or p.viewers - x.shown_days_hold - (x.hidden_days - 1) * (s.k - 1) <= s.k - coalesce(s.protection, (s.k + 1) / 2))
      -- I3u: two counts whose union is known exactly (two shown days in a row with their shown
      -- 2-day streak, or any pair in analytics.title_unions): the period less it is its people on
      -- neither, 0 or at least k.
      and not exists (select 1 from unnest(ku.unions) u where p.viewers - u between 1 and s.k - 1)
      -- and with exactly two days, both shown, the period is their union, so day 1 + day 2 - period
      -- is exactly the people on both: 0 or at least k.
      and not (x.shown_count = 2 and x.hidden_days = 0 and x.shown_sum - p.viewers between 1 and s.k - 1)
      -- I3w: a month's viewers less its weeks of k or more viewers (as if all were known) bound its
      -- weeks below k from below, in the same way.
      and (coalesce(mw.small_weeks, 0) = 0
           or p.viewers - mw.big_weeks - (mw.small_weeks - 1) * (s.k - 1) <= s.k - coalesce(s.protection, (s.k + 1) / 2))
      -- I3 with I3w: a month less its weeks of k or more viewers inside it and its shown days
      -- outside them bounds the hidden days outside them in the same way.
      and (p.period_kind <> 'month' or x.hidden_out = 0
           or p.viewers - coalesce(miw.weeks_hold, 0) - x.days_out_hold - (x.hidden_out - 1) * (s.k - 1)
              <= s.k - coalesce(s.protection, (s.k + 1) / 2))
      -- I5: the people of the period who were not there on one of its shown days are 0 or at least k.
      and not exists (select 1 from unnest(x.shown_days) v where p.viewers - v between 1 and s.k - 1)
      -- I3b: a streak of L days inside the period holds at most (the most extra days - the days
      -- that the people of a streak on other days took) / (L - 1) people: for each stored streak
      -- below k, at least p values.
      and not report.pins_streaks(e.most_extra, sr.lengths, sr.taken, coalesce(s.protection, (s.k + 1) / 2))
      -- I3m: the people who watched on two days or more of the period took 1 to played - 1 extra
      -- days each, so they are at least the least extra days / (played - 1), rounded up, and at
      -- most the most extra days. 1 to k - 1 of them within fewer than p values is hidden, as a
      -- group's titles less the group are (I6).
      and not report.pins_repeaters(e.least_extra, e.most_extra, e.played, s.k, coalesce(s.protection, (s.k + 1) / 2))
      -- and for a month, its people in two or more of its whole weeks and days outside them
      and (p.period_kind <> 'month' or not report.pins_repeaters(
          greatest(0, coalesce(ww.known + ww.weeks - ww.known_weeks, 0) + x.loose_sum + x.loose_hidden - p.viewers),
          coalesce(ww.known, 0) + x.loose_sum + (coalesce(ww.weeks - ww.known_weeks, 0) + x.loose_hidden) * (s.k - 1) - p.viewers,
          coalesce(ww.weeks, 0) + x.loose_shown + x.loose_hidden, s.k, coalesce(s.protection, (s.k + 1) / 2)))
      -- and its people in two or more of its weeks, an edge week's days taken together
      and not report.pins_repeaters(greatest(0, mu.least_units - p.viewers), mu.most_units - p.viewers, mu.units, s.k,
                                    coalesce(s.protection, (s.k + 1) / 2))
), published as (
    -- I5: a week inside a month that is shown is shown only when the month's people who were not
    -- there that week are 0 or at least k.
    -- (A week lies inside the month of its Monday when its Sunday is in that month too.)
    select c.*
    from candidates c
    cross join report.settings s
    left join candidates m
        on c.period_kind = 'week' and m.period_kind = 'month' and m.title_ref = c.title_ref
       and m.period_start = date_trunc('month', c.period_start)::date
       and date_trunc('month', c.period_start + 6) = date_trunc('month', c.period_start)
    where m.viewers is null or m.viewers - c.viewers not between 1 and s.k - 1
), overlapped as (
    -- The periods not of the kind that report.settings.plays_priority names that a period of that
    -- kind showing plays by the rule overlaps (I4, below). Joined on the title first: as a test
    -- inside the rule, it scanned every period once per period (72 s on a busy year).
    select distinct u.period_kind, u.period_start, u.title_ref
    from published u
    cross join report.settings s
    join published o on o.title_ref = u.title_ref
    where u.period_kind <> s.plays_priority and o.period_kind = s.plays_priority and o.plays_by_rule and o.plays_keep_bounds
      and case when u.period_kind = 'month'
               then o.period_start between u.period_start - 6 and (u.period_start + interval '1 month')::date - 1
               else u.period_start between o.period_start - 6 and (o.period_start + interval '1 month')::date - 1 end
), decided as (
    -- I4: plays with hidden days are shown by the rule for the kind of period that
    -- report.settings.plays_priority names; for the other kind, only where no period of that kind
    -- that overlaps it shows plays by the rule too, since the month less a week would leave the
    -- plays of the month's other hidden days, which may be fewer than k people.
    select
        u.*,
        coalesce(u.plays_keep_bounds, false)
        and (not u.has_hidden_day or (u.plays_by_rule and (u.period_kind = s.plays_priority or ov.title_ref is null))) as plays_shown
    from published u
    cross join report.settings s
    left join overlapped ov on ov.period_kind = u.period_kind and ov.period_start = u.period_start and ov.title_ref = u.title_ref
)
select
    p.period_kind,
    p.period_start,
    p.title_key,
    p.title_id,
    p.title,
    p.kind,
    p.viewers,
    case when p.plays_shown then p.plays end as plays,
    case when p.plays_shown then p.skips end as skips,
    case when p.plays_shown then round(p.watch_seconds / 3600.0, 1) end as watch_hours,
    report.days_covered(p.period_kind, p.period_start, l.first_day, l.last_day) as days_covered,
    not p.plays_shown as suppressed,
    case when p.thumbs_shown then p.thumbs_up end as thumbs_up,
    case when p.thumbs_shown then p.thumbs_down end as thumbs_down
from decided p
cross join loaded l;
comment on view analytics.report_periods_live is 'The title-periods (weeks and months) the report shows, with the suppression of plays applied: at least k viewers, the periods-against-days rules (I3, I3b, I3m, also by whole weeks for a month), and plays only where no day is hidden or the hidden days hold k or more people (I4). Read by report.title_weekly, title_monthly and title_breakdown; not granted to analysts.';
-- (Without nested loops: on 20 years of sparse history the planner expected a row where 3,753 title-
-- periods came, and scanned a month's weeks once for each, 66 s against 4.9 s. title_breakdown
-- and group_totals below likewise: 21 s and 37 s against 3.3 s and 3.9 s there, and a little
-- faster on a busy year. title_segments is not: its lookups by index are 5 s against 18 s.)
select etl.create_kept_view('analytics.report_periods', 'analytics.report_periods_live', array['period_kind, period_start'], without_nestloop => true);
comment on view analytics.report_periods is 'analytics.report_periods_live as the last load kept it (analytics.kept_report_periods), while the facts and settings are as they were then; else report_periods_live itself. Read by report.title_weekly, title_monthly and title_breakdown; not granted to analysts.';

create view report.title_weekly with (security_barrier) as
select period_start as week_start, title_id, title, kind, viewers, plays, skips, watch_hours, days_covered, suppressed
from analytics.report_periods
where period_kind = 'week';

create view report.title_monthly with (security_barrier) as
select period_start as month_start, title_id, title, kind, viewers, plays, skips, watch_hours, days_covered, suppressed, thumbs_up, thumbs_down
from analytics.report_periods
where period_kind = 'month';

create view analytics.title_segments_live with (security_barrier) as
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
        coalesce(s.protection, (s.k + 1) / 2) as protection,
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
            rows between unbounded preceding and 1 preceding), 0) as smaller_shown_viewers,
        -- The hidden cells hold at least the all_other row's viewers; each is at most k - 1 when
        -- below k, and at most the smallest shown cell when it is a larger one hidden before it (as
        -- an attacker who follows the rule can tell). So each cell below k holds at least the
        -- all_other row less the others' upper bounds, which must leave it p values.
        count(*) filter (where c.is_primary) over title_day as small_hidden,
        count(*) filter (where not c.is_primary) over (
            title_day order by c.viewers, c.plays, c.watch_seconds, c.device_key, c.region_key, c.audience_key
            rows between unbounded preceding and 1 preceding) as big_before
    from cells c
    window title_day as (partition by c.day, c.title_id, c.title, c.kind, c.title_key)
), decided as (
    -- A shown cell becomes complementary while the residual, with every smaller cell already
    -- added to the hidden ones, is still below k, or still leaves a hidden cell below k a lower
    -- bound above k - p, this cell being the smallest shown. (Both fall as cells hide.)
    select
        r.*,
        (r.is_primary or (r.day_has_primary and (r.primary_residual + r.smaller_shown_viewers < r.k
                                                 or r.primary_residual + r.smaller_shown_viewers - r.small_hidden * (r.k - 1)
                                                    - r.big_before * r.viewers > 1 - r.protection))) as is_suppressed
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
    plays,
    completed_plays,
    skips,
    round(watch_seconds / 3600.0, 1) as watch_hours,
    viewers,
    false as all_other
from decided
where not is_suppressed
union all
-- One row for the hidden segments of a title-day whose total is shown: their sums, and as viewers
-- the residual (title_daily's viewers minus the shown segments' viewers), at least k by the rule above.
select
    day,
    title_id,
    title,
    kind,
    null,
    null,
    null,
    null,
    null,
    null,
    null,
    sum(plays) filter (where is_suppressed),
    sum(completed_plays) filter (where is_suppressed),
    sum(skips) filter (where is_suppressed),
    round(sum(watch_seconds) filter (where is_suppressed) / 3600.0, 1),
    min(day_viewers) - coalesce(sum(viewers) filter (where not is_suppressed), 0),
    true
from decided
where day_viewers >= k
group by day, title_id, title, kind, title_key
having bool_or(is_suppressed);

create view analytics.title_breakdown_live with (security_barrier) as
with month_value_weeks as materialized (
    -- Per title, month, dimension and value: the same value's cells of the weeks that overlap the
    -- month, the sum of those of k or more viewers and how many have fewer (I3w for breakdowns).
    select x.month_start, coalesce(t.title_id, -1) as title_ref, w.dimension, w.value,
           coalesce(sum(w.viewers) filter (where w.viewers >= s.k), 0) as big_weeks,
           count(*) filter (where w.viewers >= s.k) as big_count,
           count(*) filter (where w.viewers between 1 and s.k - 1) as small_weeks
    from analytics.fact_title_period_breakdown w
    join analytics.dim_title t on t.title_key = w.title_key
    cross join report.settings s
    cross join lateral (select distinct m from unnest(array[date_trunc('month', w.period_start)::date,
                                                            date_trunc('month', w.period_start + 6)::date]) m) x (month_start)
    where w.period_kind = 'week'
    group by 1, 2, 3, 4
), month_unstored_weeks as materialized (
    -- Per title and month: the weeks that overlap the month with 1 to k - 1 viewers and no
    -- breakdown cells (below the storage floor). Each of their values is below k too, so for I3w
    -- they count as a small week of every value (once a week, whatever title versions it has).
    select x.month_start, coalesce(t.title_id, -1) as title_ref, count(distinct p.period_start) as weeks
    from analytics.fact_title_period p
    join analytics.dim_title t on t.title_key = p.title_key
    cross join report.settings s
    cross join lateral (select distinct m from unnest(array[date_trunc('month', p.period_start)::date,
                                                            date_trunc('month', p.period_start + 6)::date]) m) x (month_start)
    where p.period_kind = 'week' and p.viewers between 1 and s.k - 1
      and not exists (select 1 from analytics.fact_title_period_breakdown b
                      where b.period_kind = 'week' and b.period_start = p.period_start and b.title_key = p.title_key)
    group by 1, 2
), segment_floors as materialized (
    -- Per title, week or month, dimension and value: a lower bound on the value's cell from the
    -- segments. A segment's people in the period are at least those of its largest day, and taking
    -- each person in one segment, as an attacker may, the segments with a value hold different
    -- people: the sum of their largest days. Every segment of k or more viewers counts, as if
    -- title_segments showed it (it shows no more), so the bound is at least the attacker's.
    select g.period_kind, g.period_start, g.title_ref, v.dimension, v.value, sum(g.floor) as floor
    from (
        select x.period_kind, x.period_start, coalesce(t.title_id, -1) as title_ref, f.device_key, f.region_key, f.audience_key,
               max(f.viewers) as floor
        from analytics.fact_title_daily_segment f
        join analytics.dim_title t on t.title_key = f.title_key
        join analytics.dim_date dd on dd.date_key = f.date_key
        cross join lateral (values ('week', dd.week_start), ('month', dd.month_start)) x (period_kind, period_start)
        -- k as a subquery, run once, so that the scan of the segments filters (3 s of a busy year
        -- went to sorting every segment before the join to the settings dropped them).
        where f.viewers >= (select k from report.settings)
        group by 1, 2, 3, 4, 5, 6
    ) g
    join analytics.dim_device dv on dv.device_key = g.device_key
    join analytics.dim_region r on r.region_key = g.region_key
    join analytics.dim_audience a on a.audience_key = g.audience_key
    cross join lateral (values ('device_class', dv.device_class), ('region', r.region), ('age_band', a.age_band),
                               ('plan', a.plan), ('kids', case when a.is_kids then 'kids' else 'adults' end)) v (dimension, value)
    group by 1, 2, 3, 4, 5
), week_nested as materialized (
    -- The week cells (inside one month) that the same value of the month exceeds by 1 to k - 1
    -- people (is_nested below), looked up in one hashed IN: a subquery per cell took 30 s of a busy
    -- year's 42, and a join, estimated from too few rows, compared 74 million.
    select distinct b.period_start, b.title_key, b.dimension, b.value
    from analytics.fact_title_period_breakdown b
    join analytics.dim_title wt on wt.title_key = b.title_key
    join analytics.dim_title mt on coalesce(mt.title_id, -1) = coalesce(wt.title_id, -1)
    join analytics.fact_title_period_breakdown m
        on m.period_kind = 'month' and m.period_start = date_trunc('month', b.period_start)::date and m.title_key = mt.title_key
       and m.dimension = b.dimension and m.value = b.value
    cross join report.settings s
    where b.period_kind = 'week' and date_trunc('month', b.period_start + 6) = date_trunc('month', b.period_start)
      and m.viewers - b.viewers between 1 and s.k - 1
), cells as (
    select
        b.period_kind,
        b.period_start,
        b.title_key,
        b.dimension,
        b.value,
        b.viewers,
        b.plays,
        b.completed_plays,
        b.watch_seconds,
        p.viewers as period_viewers,
        s.k,
        b.viewers < s.k as is_small,
        -- A week's value lies inside the same value of the month that holds the week, so the
        -- month's cell less the week's is the people of that value on the month's other days: when
        -- it is 1 to k - 1 for one value, the week's whole dimension is hidden (I5 for breakdowns),
        -- since its all_other row, less the month's cells of the values it holds, would give the
        -- difference back (each person has one kids flag, and mostly one age band and plan).
        coalesce(b.period_kind = 'week' and (b.period_start, b.title_key, b.dimension, b.value) in (
            select wn.period_start, wn.title_key, wn.dimension, wn.value from week_nested wn), false) as is_nested,
        -- A month's value holds the people of that value in the weeks that overlap the month, so
        -- the month's cell less the week cells of k or more viewers (as if all were shown) bounds
        -- its week cells below k from below, as I3w does for a title's month: one of h such weeks
        -- holds at least that less (h - 1)(k - 1). When that leaves one a range narrower than the
        -- protection level, the month's cell is hidden (I3w for breakdowns), and cells of k or
        -- more viewers hide with it as `enough` below decides. Weeks below the storage floor count
        -- as small weeks of every value.
        b.period_kind = 'month' and w.small_weeks > 0 and b.viewers > w.most_lower as is_bound,
        coalesce(sf.floor, 0) as segment_floor,
        -- The most that an attacker's lower bound on the cell may be: for a cell below k, k - p (so
        -- that k - p to k - 1 leaves p values); for a month cell hidden by I3w, what leaves its
        -- small week cells p values.
        case when b.viewers < s.k then s.k - w.protection when b.period_kind = 'month' then w.most_lower end as max_lower,
        w.protection
    from analytics.fact_title_period_breakdown b
    join analytics.fact_title_period p
        on p.period_kind = b.period_kind and p.period_start = b.period_start and p.title_key = b.title_key
    join analytics.dim_title bt on bt.title_key = b.title_key
    left join segment_floors sf
        on sf.period_kind = b.period_kind and sf.period_start = b.period_start and sf.title_ref = coalesce(bt.title_id, -1)
       and sf.dimension = b.dimension and sf.value = b.value
    left join month_value_weeks mw
        on b.period_kind = 'month' and mw.month_start = b.period_start and mw.title_ref = coalesce(bt.title_id, -1)
       and mw.dimension = b.dimension and mw.value = b.value
    left join month_unstored_weeks mu
        on b.period_kind = 'month' and mu.month_start = b.period_start and mu.title_ref = coalesce(bt.title_id, -1)
    cross join report.settings s
    -- A month cell's small week cells, and the most that a lower bound on the cell may be and
    -- leave each of them p values: the big week cells, k - 1 for each other small one, and k - p.
    cross join lateral (select coalesce(mw.small_weeks, 0) + coalesce(mu.weeks, 0) as small_weeks,
                               coalesce(s.protection, (s.k + 1) / 2) as protection) w0
    cross join lateral (select w0.small_weeks, w0.protection,
                               coalesce(mw.big_weeks, 0) + (w0.small_weeks - 1) * (s.k - 1) + s.k - w0.protection as most_lower) w
), ranked as (
    -- Per title-period and dimension, in order from the smallest cell, what an attacker knows of
    -- the hidden cells if the primary cells and the smaller shown ones were hidden. The hidden
    -- cells hold the all_other row (A); each is at least 1, or k when it has k or more viewers, or
    -- its segment floor (the attacker's lower bound), and is at most k - 1 when below k, or the
    -- smallest shown cell when it is a larger one hidden before it (the attacker's upper bound).
    select
        c.*,
        bool_or(c.is_primary) over cell_group as group_has_primary,
        c.period_viewers - coalesce(sum(c.viewers) filter (where not c.is_primary) over cell_group, 0)
            + coalesce(sum(c.viewers) filter (where not c.is_primary) over smaller, 0) as all_other,
        count(*) filter (where c.is_primary and c.is_small) over cell_group as small_hidden,
        count(*) filter (where not c.is_primary or not c.is_small) over smaller as big_before,
        count(*) filter (where c.is_primary and not c.is_small) over larger as big_primary_after,
        min(c.max_lower) filter (where c.is_primary and not c.is_small) over larger as after_max_lower,
        min(c.max_lower) filter (where c.is_primary and not c.is_small) over smaller as before_max_lower,
        -- Breakdowns against segments: with one value a person, each hidden value lies between its
        -- lower bound and the all_other row less the others' lower bounds, a range of the all_other
        -- row less all their lower bounds, plus one, values (the slack plus one).
        c.period_viewers - coalesce(sum(c.viewers) filter (where not c.is_primary) over cell_group, 0)
            - coalesce(sum(c.lower) filter (where c.is_primary) over cell_group, 0)
            + coalesce(sum(c.viewers - c.lower) filter (where not c.is_primary) over smaller, 0) as slack
    from (
        select c.*, c.is_small or c.is_bound or bool_or(c.is_nested) over (partition by c.period_kind, c.period_start, c.title_key, c.dimension) as is_primary,
               greatest(c.segment_floor, case when c.is_small then 1 else c.k end) as lower
        from cells c
    ) c
    window cell_group as (partition by c.period_kind, c.period_start, c.title_key, c.dimension),
           smaller as (cell_group order by c.viewers, c.plays, c.value rows between unbounded preceding and 1 preceding),
           larger as (cell_group order by c.viewers, c.plays, c.value rows between 1 following and unbounded following)
), enough as (
    -- Whether hiding the primary cells and the smaller shown cells is enough, this cell being the
    -- smallest shown (v): the all_other row is k or more; the slack leaves each hidden value p
    -- values; and the all_other row less the others' upper bounds leaves no hidden cell below k a
    -- lower bound above k - p, nor a month cell hidden by I3w one that narrows its weeks. A larger
    -- cell hidden by a rule (not before this one) has no upper bound: with two of them, nothing is
    -- bounded; with one, only it is.
    select
        r.*,
        not r.is_primary and r.all_other >= r.k and r.slack >= r.protection - 1
            and case
                when r.big_primary_after >= 2 then true
                when r.big_primary_after = 1 then r.after_max_lower is null
                    or r.all_other - r.small_hidden * (r.k - 1) - r.big_before * r.viewers <= r.after_max_lower
                else (r.small_hidden = 0 or r.all_other - r.small_hidden * (r.k - 1) - r.big_before * r.viewers <= 1 - r.protection)
                    and (r.before_max_lower is null
                         or r.all_other - r.small_hidden * (r.k - 1) - (r.big_before - 1) * r.viewers <= r.before_max_lower)
            end as is_enough
    from ranked r
), decided as (
    -- A shown cell becomes complementary until, from the smallest, hiding the cells before it is
    -- enough. The slack can fall as cells hide (a cell's segment floor can exceed its viewers where
    -- people are in two segments), so a cell after the first that is enough stays shown, and the
    -- hidden cells are always the smallest ones, up to the first that is enough.
    select
        r.*,
        (r.is_primary or (r.group_has_primary and not coalesce(bool_or(r.is_enough) over (
            partition by r.period_kind, r.period_start, r.title_key, r.dimension
            order by r.viewers, r.plays, r.value rows between unbounded preceding and current row), false))) as is_suppressed
    from enough r
), month_hidden as (
    -- The month cells hidden above, by title id.
    select distinct m.period_start, coalesce(t.title_id, -1) as title_ref, m.dimension, m.value
    from decided m
    join analytics.dim_title t on t.title_key = m.title_key
    where m.period_kind = 'month' and m.is_suppressed
), weeks_decided as (
    -- A week's value is a lower bound on the same value of the month that holds the week, so with
    -- the month's all_other row it squeezes a hidden month cell from above: a week's whole
    -- dimension is hidden when it has a value that its month hides.
    select d.period_kind, d.period_start, d.title_key, d.dimension, d.value, d.viewers, d.plays, d.completed_plays,
           d.watch_seconds, d.period_viewers,
           d.is_suppressed or coalesce(bool_or(mh.value is not null) over (
               partition by d.period_kind, d.period_start, d.title_key, d.dimension), false) as is_suppressed
    from decided d
    join analytics.dim_title wt on wt.title_key = d.title_key
    left join month_hidden mh
        on d.period_kind = 'week' and mh.period_start = date_trunc('month', d.period_start)::date
       and date_trunc('month', d.period_start + 6) = date_trunc('month', d.period_start)
       and mh.title_ref = coalesce(wt.title_id, -1) and mh.dimension = d.dimension and mh.value = d.value
), month_plays_bound as (
    -- I4p for breakdowns: a value's month plays bound its week cells from above (each person of a
    -- week cell played at least once with the value that week), which the rules above, taking a
    -- small week cell at k - 1, do not. The title-month-dimensions where that would leave a small
    -- week cell, the people of its small week cells together, or its people in two weeks or more
    -- fewer than p values: their plays are hidden, every value's (one alone would come back as the
    -- month's plays less the others').
    select distinct m.period_start, m.title_key, m.dimension
    from analytics.fact_title_period_breakdown m
    join analytics.dim_title t on t.title_key = m.title_key
    cross join report.settings s
    join month_value_weeks mvw
        on mvw.month_start = m.period_start and mvw.title_ref = coalesce(t.title_id, -1) and mvw.dimension = m.dimension and mvw.value = m.value
    left join month_unstored_weeks mu on mu.month_start = m.period_start and mu.title_ref = coalesce(t.title_id, -1)
    cross join lateral (select mvw.small_weeks + coalesce(mu.weeks, 0) as small, coalesce(s.protection, (s.k + 1) / 2) as p) x
    where m.period_kind = 'month' and m.viewers >= s.k
      and ((x.small > 0 and least(s.k - 1, m.plays - mvw.big_weeks - (x.small - 1))
                            - greatest(1, m.viewers - mvw.big_weeks - (x.small - 1) * (s.k - 1)) + 1 < x.p)
           or (m.viewers - mvw.big_weeks between 1 and s.k - 1
               and least(x.small * (s.k - 1), m.plays - mvw.big_weeks) - (m.viewers - mvw.big_weeks) + 1 < x.p)
           or (report.pins_repeaters(greatest(0, mvw.big_weeks + x.small - m.viewers), least(mvw.big_weeks + x.small * (s.k - 1), m.plays) - m.viewers,
                                     mvw.big_count + x.small, s.k, x.p)
               and not report.pins_repeaters(greatest(0, mvw.big_weeks + x.small - m.viewers), mvw.big_weeks + x.small * (s.k - 1) - m.viewers,
                                             mvw.big_count + x.small, s.k, x.p)))
), published as (
    -- Only title-periods that title_weekly or title_monthly show, whose viewers the all_other row
    -- would otherwise give away; plays only where those views show them (I3), and in months only
    -- (I4b): plays add up, so a value's month less its weeks of shown plays would give the plays
    -- of its hidden week cells, and bound their people from above (on the demo, 4 plays: 1 to 4
    -- people).
    select period_kind, period_start, title_key, suppressed or period_kind = 'week' as suppressed from analytics.report_periods
), shown as (
    select d.*, t.title_id, t.name as title, t.kind, pb.suppressed or mpb.title_key is not null as suppressed
    from weeks_decided d
    join analytics.dim_title t on t.title_key = d.title_key
    join published pb on pb.period_kind = d.period_kind and pb.period_start = d.period_start and pb.title_key = d.title_key
    left join month_plays_bound mpb
        on d.period_kind = 'month' and mpb.period_start = d.period_start and mpb.title_key = d.title_key and mpb.dimension = d.dimension
)
select
    period_kind as period,
    period_start,
    title_id,
    title,
    kind,
    dimension,
    value,
    viewers,
    case when not suppressed then plays end as plays,
    case when not suppressed then completed_plays end as completed_plays,
    case when not suppressed then round(watch_seconds / 3600.0, 1) end as watch_hours,
    false as all_other,
    suppressed
from shown
where not is_suppressed
union all
select
    period_kind,
    period_start,
    title_id,
    title,
    kind,
    dimension,
    null,
    min(period_viewers) - coalesce(sum(viewers) filter (where not is_suppressed), 0),
    case when not bool_or(suppressed) then sum(plays) filter (where is_suppressed) end,
    case when not bool_or(suppressed) then sum(completed_plays) filter (where is_suppressed) end,
    case when not bool_or(suppressed) then round(sum(watch_seconds) filter (where is_suppressed) / 3600.0, 1) end,
    true,
    bool_or(suppressed)
from shown
group by period_kind, period_start, title_id, title, kind, dimension, title_key
having bool_or(is_suppressed);

-- Every stored pair of two shown title-periods, once (a_key < b_key), with I2, I5p and I2t decided:
-- whether I2 shows it (k shared viewers, and the people who watched one title and not the other 0 or
-- at least k) and, for a week, I5p too (a month pair holding it 0 or at least k above it), and
-- whether I2t holds it back. I2t's decision for a period is the one the load kept
-- (analytics.coviewing_decisions) when it was made from the same inputs, else made here.
create view analytics.coviewing_pairs with (security_barrier) as
with shown as materialized (
    -- The title-periods that title_weekly / title_monthly show: a pair of a hidden one would give
    -- its viewers back (as viewers_a, or through jaccard).
    select period_kind, period_start, title_key, viewers from analytics.report_periods
), with_a as materialized (
    -- The stored pairs with their first title's viewers, before the second's: joined to both at
    -- once, the planner paired every two shown titles of a period and looked each couple up in
    -- the facts (5.7 million index scans, 42 s on a busy year).
    select c.period_kind, c.period_start, c.title_a_key, c.title_b_key, c.shared_viewers, pa.viewers as viewers_a
    from analytics.fact_coviewing c
    join shown pa on pa.period_kind = c.period_kind and pa.period_start = c.period_start and pa.title_key = c.title_a_key
), by_i2 as materialized (
    select c.period_kind, c.period_start, c.title_a_key as a_key, c.title_b_key as b_key, c.shared_viewers,
           c.viewers_a, pb.viewers as viewers_b,
           c.shared_viewers >= s.k and c.viewers_a >= s.k and pb.viewers >= s.k
             and (c.viewers_a = c.shared_viewers or c.viewers_a - c.shared_viewers >= s.k)
             and (pb.viewers = c.shared_viewers or pb.viewers - c.shared_viewers >= s.k) as candidate,
           s.k, coalesce(s.protection, (s.k + 1) / 2) as p
    from with_a c
    join shown pb on pb.period_kind = c.period_kind and pb.period_start = c.period_start and pb.title_key = c.title_b_key
    cross join report.settings s
), counted as materialized (
    -- I5p: a week inside a month holds its pair's people inside the month's pair, so the month's
    -- shared viewers less the week's count people, as I5 says of a title's month and week. A week's
    -- pair that I2 would show is shown only when a month pair holding it that I2 would show is 0 or
    -- at least k above it; otherwise it goes to I2t as a hidden pair, so that third titles do not
    -- bound it (and the month less it) either. The month's pair is found by a window over the pair's
    -- month and the weeks inside it: joined, the planner took either side for one row and compared
    -- every week with every month pair (375 million rows on the demo).
    select period_kind, period_start, a_key, b_key, shared_viewers, viewers_a, viewers_b,
           candidate and (period_kind = 'month' or month_shared is null or month_shared - shared_viewers not between 1 and k - 1) as candidate,
           case when period_kind = 'week' then month_shared end as month_shared,
           case when period_kind = 'month' then week_shared end as week_shared, k, p
    from (select b.*,
                 max(b.shared_viewers) filter (where b.period_kind = 'month' and b.candidate) over inside as month_shared,
                 -- (I2's candidates: a superset of the weeks' pairs shown)
                 max(b.shared_viewers) filter (where b.period_kind = 'week' and b.candidate) over inside as week_shared
          from by_i2 b
          window inside as (partition by b.a_key, b.b_key,
                            case when b.period_kind = 'month' then b.period_start
                                 when date_trunc('month', b.period_start + 6) = date_trunc('month', b.period_start)
                                 then date_trunc('month', b.period_start)::date end)) x
), digests as (
    -- Everything report.held_pairs reads of a period, in one order.
    select period_kind, period_start,
           sha256(convert_to(string_agg(concat_ws(',', a_key, b_key, shared_viewers, viewers_a, viewers_b, candidate, coalesce(month_shared, -1), coalesce(week_shared, -1), k, p), ';' order by a_key, b_key), 'UTF8')) as inputs
    from counted
    group by period_kind, period_start
), kept as materialized (
    -- The decision the load kept for the period, when it was made from these inputs (else NULL).
    select c.*, d.inputs, case when h.period_kind is not null then k.a_key is not null end as kept_held
    from counted c
    join digests d on d.period_kind = c.period_kind and d.period_start = c.period_start
    left join analytics.coviewing_decisions h on h.period_kind = d.period_kind and h.period_start = d.period_start and h.inputs = d.inputs
    left join analytics.coviewing_held k on k.period_kind = c.period_kind and k.period_start = c.period_start and k.a_key = c.a_key and k.b_key = c.b_key
), decided as materialized (
    -- I2t for the periods without a kept decision, one period a call (a period that takes more
    -- rounds does not take the others' again): the pairs I2 shows that would bound a hidden pair
    -- too closely through third titles.
    select h.*
    from (select array_agg(period_kind order by a_key, b_key) as kinds,
                 array_agg(period_start order by a_key, b_key) as starts,
                 array_agg(a_key order by a_key, b_key) as a_keys,
                 array_agg(b_key order by a_key, b_key) as b_keys,
                 array_agg(shared_viewers order by a_key, b_key) as shared,
                 array_agg(viewers_a order by a_key, b_key) as viewers_a,
                 array_agg(viewers_b order by a_key, b_key) as viewers_b,
                 array_agg(candidate order by a_key, b_key) as candidates,
                 array_agg(month_shared order by a_key, b_key) as month_shared,
                 array_agg(week_shared order by a_key, b_key) as week_shared,
                 min(k) as k, min(p) as p
          from kept where kept_held is null
          group by period_kind, period_start) x
    cross join lateral report.held_pairs(x.kinds, x.starts, x.a_keys, x.b_keys, x.shared, x.viewers_a, x.viewers_b, x.candidates, x.month_shared, x.week_shared, x.k, x.p) h
)
select k.period_kind, k.period_start, k.a_key, k.b_key, k.shared_viewers, k.viewers_a, k.viewers_b, k.candidate, k.inputs,
       k.kept_held is not null as kept,
       coalesce(k.kept_held, d.held_a is not null) as held
from kept k
left join decided d on d.held_kind = k.period_kind and d.held_start = k.period_start and d.held_a = k.a_key and d.held_b = k.b_key;

alter view analytics.coviewing_pairs owner to tally_owner;
revoke all on analytics.coviewing_pairs from public;
comment on view analytics.coviewing_pairs is 'Every stored pair of two shown title-periods, once (a_key < b_key): its counts, whether I2 (and, for a week, I5p) shows it (candidate), the SHA-256 of its period''s inputs to report.held_pairs, whether I2t''s decision for the period is the one the load kept (kept) or made at this read, and whether I2t holds the pair back (held). Read by report.coviewing and etl.refresh_coviewing_held(); not granted to analysts.';

-- I2t, decided once per load: the periods whose kept decision no longer matches their inputs are
-- decided again, those without stored pairs forgotten. report.coviewing gives the same rows either way.
create or replace function etl.refresh_coviewing_held() returns integer
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
    -- JIT is off in the warehouse from V0032 on, but not in a session begun before it, as tally
    -- migrate up's on a new warehouse is: there, without statistics, JIT compiled for 30 s.
    set jit = off
as $$
declare
    decided integer;
begin
    -- (to_regclass, not drop if exists: that tells the load's log when there is no temporary schema.)
    if to_regclass('pg_temp.coviewing_now') is not null then
        drop table pg_temp.coviewing_now;
    end if;
    create temporary table coviewing_now on commit drop as
        select period_kind, period_start, a_key, b_key, inputs, kept, held from analytics.coviewing_pairs;
    -- Decisions made from other inputs, and those of periods without stored pairs, with their pairs.
    delete from analytics.coviewing_decisions d
    where not exists (select 1 from coviewing_now n where n.period_kind = d.period_kind and n.period_start = d.period_start and n.kept);
    insert into analytics.coviewing_decisions (period_kind, period_start, inputs)
    select distinct period_kind, period_start, inputs from coviewing_now where not kept;
    get diagnostics decided = row_count;
    insert into analytics.coviewing_held (period_kind, period_start, a_key, b_key)
    select period_kind, period_start, a_key, b_key from coviewing_now where not kept and held;
    drop table coviewing_now;
    return decided;
end
$$;
alter function etl.refresh_coviewing_held() owner to tally_owner;
revoke all on function etl.refresh_coviewing_held() from public;
grant execute on function etl.refresh_coviewing_held() to tally_loader;
comment on function etl.refresh_coviewing_held() is 'Keeps report.coviewing''s I2t decision per period in analytics.coviewing_decisions and coviewing_held: decides again (report.held_pairs) every period whose kept decision no longer matches its inputs, forgets periods without stored pairs, and returns how many periods it decided. tally load calls it before it commits.';

create view analytics.coviewing_live with (security_barrier) as
with published as (
    select period_kind, period_start, a_key, b_key, shared_viewers, viewers_a, viewers_b
    from analytics.coviewing_pairs
    where candidate and not held
), pairs as (
    -- Both orders of every shown pair, so that title_a = 'X' finds all of X's partners.
    select period_kind, period_start, a_key, b_key, shared_viewers, viewers_a, viewers_b from published
    union all
    select period_kind, period_start, b_key, a_key, shared_viewers, viewers_b, viewers_a from published
)
select
    c.period_kind as period,
    c.period_start,
    ta.title_id as title_a_id,
    ta.name as title_a,
    tb.title_id as title_b_id,
    tb.name as title_b,
    c.shared_viewers,
    c.viewers_a,
    c.viewers_b,
    round(c.shared_viewers::numeric / (c.viewers_a + c.viewers_b - c.shared_viewers), 3) as jaccard
from pairs c
join analytics.dim_title ta on ta.title_key = c.a_key
join analytics.dim_title tb on tb.title_key = c.b_key;

create view analytics.title_streaks_live with (security_barrier) as
-- Per title and day: the day's viewers, then the people with a run of at least 2, 3, ... days,
-- each with whether it is free: no count of an earlier day that holds its people (a run ending on
-- day e of at most n - (as_of - e) days) is 1 to k - 1 above it (I1b), and no rectangle or L shape
-- of runs of which it is the longest count is 1 to k - 1 people (I1r). A run is (first day, last
-- day); with a1 < a2 <= b1 < b2 and this count q = (a1, b2), the counts n2 = (a2, b2) and
-- n1 = (a1, b1) overlap in q, and a count c = (a3, b3) with a2 <= a3 <= b3 <= b1 holds both, so
-- c - n1 - n2 + q is the people of c in neither: with c = (a2, b1), those whose run began after a1
-- and by a2 and ended from b1 to before b2 (four streak counts around a run). Both rules join runs
-- on (title, day), one day of the run at a time, so a load's refresh pays for the runs' days, not
-- for a search of the title's history per run.
with runs as materialized (
    select r.title_ref, r.as_of, r.title_key, r.streak_days, r.viewers, s.k
    from analytics.title_runs r
    cross join report.settings s
),
nested as (
    -- I1b: e ends `back` days before q and starts no earlier.
    select distinct q.title_ref, q.as_of, q.streak_days
    from runs q
    cross join lateral generate_series(1, q.streak_days - 1) as g(back)
    join runs e on e.title_ref = q.title_ref and e.as_of = q.as_of - g.back
    where q.streak_days >= 2
      and e.streak_days <= q.streak_days - g.back
      and e.viewers - q.viewers between 1 and q.k - 1
),
long_runs as materialized (
    select * from runs where streak_days >= 2 and viewers >= k
),
shaped as (
    -- I1r: n2 ends with q, n1 starts with it, c lies inside both's overlap (one day of it at a
    -- time). When n1 or n2 equals q, the shape is c less the other one, a pair I1 and I1b decide.
    select distinct q.title_ref, q.as_of, q.streak_days
    from long_runs q
    join runs n2
        on n2.title_ref = q.title_ref and n2.as_of = q.as_of and n2.streak_days < q.streak_days and n2.viewers > q.viewers
    join runs n1
        on n1.title_ref = q.title_ref and n1.as_of - n1.streak_days = q.as_of - q.streak_days
        and n1.as_of between q.as_of - q.streak_days + 2 and q.as_of - 1 and n1.viewers > q.viewers
    cross join lateral generate_series(0, n1.as_of - (n2.as_of - n2.streak_days + 1)) as g(day)
    join runs c
        on c.title_ref = q.title_ref and c.as_of = n2.as_of - n2.streak_days + 1 + g.day
        and c.as_of - c.streak_days >= n2.as_of - n2.streak_days
    where c.viewers - n1.viewers - n2.viewers + q.viewers between 1 and q.k - 1
),
days as (
    select
        r.as_of,
        r.title_ref,
        (array_agg(r.title_key order by r.streak_days))[1] as title_key,
        array_agg(r.viewers order by r.streak_days) as counts,
        array_agg(r.streak_days order by r.streak_days) as lengths,
        array_agg(n.title_ref is null and h.title_ref is null order by r.streak_days) as free,
        r.k
    from runs r
    left join nested n on (n.title_ref, n.as_of, n.streak_days) = (r.title_ref, r.as_of, r.streak_days)
    left join shaped h on (h.title_ref, h.as_of, h.streak_days) = (r.title_ref, r.as_of, r.streak_days)
    group by r.as_of, r.title_ref, r.k
    having min(r.streak_days) = 1
)
select
    r.as_of,
    t.title_id,
    t.name as title,
    u.streak_days,
    u.viewers
from days r
cross join lateral unnest(r.lengths, r.counts, report.shown_runs(r.counts, r.k, r.free)) as u(streak_days, viewers, shown)
join analytics.dim_title t on t.title_key = r.title_key
where u.shown and u.streak_days >= 2;

-- Series and genre totals of a week or a month (I6): distinct people over the group's titles.
create view analytics.group_totals_live with (security_barrier) as
with shown_periods as materialized (
    select period_kind, period_start, title_key, coalesce(title_id, -1) as title_ref, viewers, suppressed from analytics.report_periods
), shown_days as materialized (
    -- Per title and period, the counts that the report shows inside it: the viewers of its days in
    -- title_daily and, for a month, of its weeks inside the month in title_weekly.
    select period_kind, period_start, title_ref, array_agg(viewers) as viewers
    from (
        select x.period_kind, x.period_start, coalesce(t.title_id, -1) as title_ref, f.viewers
        from analytics.fact_title_daily f
        join analytics.dim_date d on d.date_key = f.date_key
        join analytics.dim_title t on t.title_key = f.title_key
        cross join report.settings s
        cross join lateral (values ('week', d.week_start), ('month', d.month_start)) x (period_kind, period_start)
        where f.viewers >= s.k
        union all
        select 'month', date_trunc('month', w.period_start)::date, w.title_ref, w.viewers
        from shown_periods w
        where w.period_kind = 'week' and date_trunc('month', w.period_start + 6) = date_trunc('month', w.period_start)
    ) inner_counts
    group by period_kind, period_start, title_ref
), group_weeks as materialized (
    -- Per group and month, its weeks that overlap the month: the sum of those with k or more
    -- viewers and how many have fewer (I3w for groups).
    select w.grouping, w.name, x.month_start,
           coalesce(sum(w.viewers) filter (where w.viewers >= s.k), 0) as big_weeks,
           count(*) filter (where w.viewers between 1 and s.k - 1) as small_weeks
    from analytics.fact_group_period w
    cross join report.settings s
    cross join lateral (select distinct m from unnest(array[date_trunc('month', w.period_start)::date,
                                                            date_trunc('month', w.period_start + 6)::date]) m) x (month_start)
    where w.period_kind = 'week'
    group by w.grouping, w.name, x.month_start
), members as materialized (
    -- Each title-period of each group: its stored viewers, what title_weekly / title_monthly show
    -- of it (shown: NULL when hidden, suppressed: its plays hidden) and its shown days.
    select f.period_kind, f.period_start, x.grouping, x.name, t.genre, f.title_key, f.viewers as stored, r.viewers as shown,
           r.suppressed, sd.viewers as shown_days, tu.unions
    from analytics.fact_title_period f
    join analytics.dim_title t on t.title_key = f.title_key
    cross join lateral (values ('series', t.series_name), ('genre', t.genre)) x (grouping, name)
    left join shown_periods r on r.period_kind = f.period_kind and r.period_start = f.period_start and r.title_key = f.title_key
    left join shown_days sd on sd.period_kind = f.period_kind and sd.period_start = f.period_start and sd.title_ref = coalesce(t.title_id, -1)
    left join analytics.title_unions tu on tu.period_kind = f.period_kind and tu.period_start = f.period_start and tu.title_ref = coalesce(t.title_id, -1)
    where nullif(x.name, '') is not null and f.viewers > 0
), loaded as (
    select to_date(min(date_key)::text, 'YYYYMMDD') as first_day, to_date(max(date_key)::text, 'YYYYMMDD') as last_day
    from analytics.fact_title_daily
), group_unit_floors as materialized (
    -- Per group and month, each week that crosses the month's edge: the most viewers (k or more) of
    -- one member title on one day of the week inside the month, a lower bound on the group's people
    -- on those days.
    select x.grouping, x.name, d.month_start, d.week_start, max(f.viewers) as floor
    from analytics.fact_title_daily f
    join analytics.dim_date d on d.date_key = f.date_key
    join analytics.dim_title t on t.title_key = f.title_key
    cross join report.settings s
    cross join lateral (values ('series', t.series_name), ('genre', t.genre)) x (grouping, name)
    where nullif(x.name, '') is not null and f.viewers >= s.k
      and (d.week_start < d.month_start or date_trunc('month', d.week_start + 6) > d.month_start)
    group by x.grouping, x.name, d.month_start, d.week_start
), group_played_parts as materialized (
    -- Per group and month, each week with a play of one of its titles on one of its days inside
    -- the month: the units of I3m by weeks that hold anybody.
    select distinct x.grouping, x.name, d.month_start, d.week_start
    from analytics.fact_title_daily f
    join analytics.dim_date d on d.date_key = f.date_key
    join analytics.dim_title t on t.title_key = f.title_key
    cross join lateral (values ('series', t.series_name), ('genre', t.genre)) x (grouping, name)
    where nullif(x.name, '') is not null and f.viewers > 0
), group_first as materialized (
    -- Each group's first day with a play of one of its titles: a public premiere, as a title's is.
    select x.grouping, x.name, min(d.full_date) as first_day
    from analytics.fact_title_daily f
    join analytics.dim_date d on d.date_key = f.date_key
    join analytics.dim_title t on t.title_key = f.title_key
    cross join lateral (values ('series', t.series_name), ('genre', t.genre)) x (grouping, name)
    where nullif(x.name, '') is not null
    group by x.grouping, x.name
), repeaters as materialized (
    -- I3m by weeks for groups: the group months whose weeks pin their people in two weeks or more.
    -- The month's days split by week are its units: a week whose covered days all lie in the month
    -- is known when it has k or more viewers (shown or not) and 1 to k - 1 otherwise; the days
    -- of a week that crosses the month's edge hold at most that week's viewers (k - 1 when fewer)
    -- and at least the most viewers of one member title on one of them (1 when none has k). A unit
    -- without a play holds nobody and is not counted. A group's days are not published, so these
    -- bounds are all an analyst has. Days are covered from the group's first play.
    -- The units are joined outside any lateral subquery, so that each CTE is hashed once.
    select u.grouping, u.name, u.month_start
    from (
        select g.grouping, g.name, g.period_start as month_start, g.viewers, s.k, coalesce(s.protection, (s.k + 1) / 2) as protection,
               count(pp.week_start) as units,
               coalesce(sum(case when pp.week_start is null then 0
                                 when c.inside < c.whole then greatest(coalesce(fl.floor, 0), 1)
                                 when w.viewers >= s.k then w.viewers else 1 end), 0) as least_units,
               coalesce(sum(case when pp.week_start is null then 0 when w.viewers >= s.k then w.viewers else s.k - 1 end), 0) as most_units
        from analytics.fact_group_period g
        cross join report.settings s
        cross join loaded l
        join group_first gf on gf.grouping = g.grouping and gf.name = g.name
        cross join report.month_weeks(g.period_start, greatest(l.first_day, gf.first_day), l.last_day) c
        left join analytics.fact_group_period w
            on w.period_kind = 'week' and w.grouping = g.grouping and w.name = g.name and w.period_start = c.monday
        left join group_unit_floors fl
            on fl.grouping = g.grouping and fl.name = g.name and fl.month_start = g.period_start and fl.week_start = c.monday
        left join group_played_parts pp
            on pp.grouping = g.grouping and pp.name = g.name and pp.month_start = g.period_start and pp.week_start = c.monday
        where g.period_kind = 'month' and g.viewers >= s.k
        group by g.grouping, g.name, g.period_start, g.viewers, s.k, s.protection
    ) u
    where report.pins_repeaters(greatest(0, u.least_units - u.viewers), u.most_units - u.viewers, u.units, u.k, u.protection)
), group_checks as materialized (
    select g.period_kind, g.period_start, g.grouping, g.name, g.titles, g.viewers, g.plays, g.watch_seconds, s.k,
           bool_and(m.shown is not null and not m.suppressed) as all_plays_shown,
           case when count(distinct m.genre) = 1 then min(m.genre) end as one_genre,
           count(m.shown) as shown_titles,
           count(*) as member_titles,
           sum(m.shown) filter (where m.shown is not null) as shown_sum,
           -- The group less one of its shown titles, or one of their shown days or (for a month) weeks
           -- inside it, is 0 or at least k; the hidden titles the load counted (below
           -- small_title_below) are all the hidden ones below k; and no title of k or more viewers is
           -- hidden (by I3, I3b, I3w or I5): the group less the others would bound it.
           bool_and(m.shown is null or g.viewers - m.shown not between 1 and s.k - 1)
           and bool_and(not exists (select 1 from unnest(m.shown_days) v where g.viewers - v between 1 and s.k - 1))
           -- and, as for periods (I3u), against the union of two of a title's counts known exactly
           and bool_and(not exists (select 1 from unnest(m.unions) u where g.viewers - u between 1 and s.k - 1))
           and count(*) filter (where m.stored >= g.small_title_below and m.stored < s.k) = 0
           and count(*) filter (where m.stored >= s.k and m.shown is null) = 0 as passes
    from analytics.fact_group_period g
    cross join report.settings s
    join members m on m.period_kind = g.period_kind and m.period_start = g.period_start and m.grouping = g.grouping and m.name = g.name
    left join group_weeks gw on g.period_kind = 'month' and gw.grouping = g.grouping and gw.name = g.name and gw.month_start = g.period_start
    left join repeaters rp on g.period_kind = 'month' and rp.grouping = g.grouping and rp.name = g.name and rp.month_start = g.period_start
    where g.viewers >= s.k
      -- I6: the group's viewers less its shown titles' are, at best for an attacker, the people who
      -- played only its hidden titles; of those below k (h titles), one then holds at least that
      -- less (h - 1)(k - 1) people, which may narrow none of them below the protection level. The
      -- load counts the people who played only the group's titles below the floor.
      and (g.small_titles = 0
           or g.small_title_viewers - (g.small_titles - 1) * (s.k - 1) <= s.k - coalesce(s.protection, (s.k + 1) / 2))
      -- I3w for groups: a month less its group weeks of k or more viewers bounds those below k.
      and (coalesce(gw.small_weeks, 0) = 0
           or g.viewers - gw.big_weeks - (gw.small_weeks - 1) * (s.k - 1) <= s.k - coalesce(s.protection, (s.k + 1) / 2))
      and rp.month_start is null
    group by g.period_kind, g.period_start, g.grouping, g.name, g.titles, g.viewers, g.plays, g.watch_seconds, g.small_title_below, s.k
), candidates as materialized (
    -- The checks are columns of group_checks, not a HAVING clause, so that the planner estimates
    -- the candidates as about half the groups, not one row: from one row it joined them to
    -- themselves in nested loops (9,403 x 9,403 rows, three times, on 20 years).
    -- group_key names the group-period in one column; genre_key, month_key and genre_month_key
    -- name the groups that hold it (published).
    select c.*,
           concat_ws('/', c.period_kind, c.period_start, c.grouping, c.name) as group_key,
           case when c.grouping = 'series' and c.one_genre is not null
                then concat_ws('/', c.period_kind, c.period_start, 'genre', c.one_genre) end as genre_key,
           case when c.period_kind = 'week' and date_trunc('month', c.period_start + 6) = date_trunc('month', c.period_start)
                then concat_ws('/', 'month', date_trunc('month', c.period_start)::date, c.grouping, c.name) end as month_key,
           case when c.grouping = 'series' and c.one_genre is not null and c.period_kind = 'week'
                     and date_trunc('month', c.period_start + 6) = date_trunc('month', c.period_start)
                then concat_ws('/', 'month', date_trunc('month', c.period_start)::date, 'genre', c.one_genre) end as genre_month_key
    from group_checks c
    where c.passes
), shown_pairs as materialized (
    -- Every two shown titles of a candidate group whose pair I2 lets report.coviewing show (k
    -- shared viewers, and 0 or at least k on either side). coviewing may hide some of them (I2t):
    -- taking them as shown only supposes the attacker knows more.
    select c.period_kind, c.period_start, c.grouping, c.name, a.title_key as a_key, b.title_key as b_key,
           a.shown as a_viewers, b.shown as b_viewers, v.shared_viewers as shared
    from candidates c
    join members a on a.period_kind = c.period_kind and a.period_start = c.period_start and a.grouping = c.grouping and a.name = c.name
    join members b on b.period_kind = c.period_kind and b.period_start = c.period_start and b.grouping = c.grouping and b.name = c.name
        and b.title_key > a.title_key
    join analytics.fact_coviewing v
        on v.period_kind = c.period_kind and v.period_start = c.period_start and v.title_a_key = a.title_key and v.title_b_key = b.title_key
    where a.shown is not null and b.shown is not null and v.shared_viewers >= c.k
      and (a.shown = v.shared_viewers or a.shown - v.shared_viewers >= c.k)
      and (b.shown = v.shared_viewers or b.shown - v.shared_viewers >= c.k)
), pair_sums as (
    -- Per candidate group, its shown pairs, their shared viewers and the unions they give (two
    -- titles less their pair). Grouped once: tested per candidate, each scanned every shown pair
    -- (13 s of a busy year's 26, and 23 s for the unions).
    select period_kind, period_start, grouping, name, count(*) as n, sum(shared) as shared_sum,
           array_agg(a_viewers + b_viewers - shared) as unions
    from shown_pairs
    group by period_kind, period_start, grouping, name
), exact as (
    -- I6u: two shown titles with their shown pair have a union known exactly, so the group less it
    -- is exactly the people of its other titles only: 0 or at least k.
    -- I6t: a group of exactly three titles, all shown with their three pairs, gives its people on
    -- all three exactly (group - the titles + the pairs), and with it every region of the three
    -- titles' Venn diagram: on all three, on exactly two, on one only. Each is 0 or at least k.
    select c.*
    from candidates c
    left join pair_sums ps on ps.period_kind = c.period_kind and ps.period_start = c.period_start and ps.grouping = c.grouping and ps.name = c.name
    cross join lateral (select coalesce(ps.n, 0) as n, ps.shared_sum) pp
    cross join lateral (select c.viewers - c.shown_sum + pp.shared_sum as on_all) t
    where not exists (select 1 from unnest(ps.unions) u where c.viewers - u between 1 and c.k - 1)
      -- With every title shown, the titles less the group count each person once per title past
      -- their first: 1 to k - 1 says that fewer than k people played more than one. Three titles,
      -- all shown, with one or two shown pairs give the people of the third also on another
      -- (A + B + C - AB - group) or on the two outside the shown pairs only (A + B + C - AB - AC -
      -- group): 0 or at least k.
      and not (c.member_titles = c.shown_titles and c.shown_sum - c.viewers between 1 and c.k - 1)
      and not (c.member_titles = 3 and c.shown_titles = 3 and pp.n in (1, 2)
               and c.shown_sum - pp.shared_sum - c.viewers between 1 and c.k - 1)
      -- A group of three or more titles, all shown with all their pairs: group - the titles + the
      -- pairs counts each person on m titles (m - 1)(m - 2) / 2 times (0 for one or two titles, 1
      -- for three, 3 for four), so 1 to k - 1 says that 1 to k - 1 people played three or more.
      -- For three titles it is the people on all three, and gives every region of the three
      -- titles' Venn diagram: on exactly two (a pair less it), on one only (a title less its pairs
      -- plus it). For more, when it is 0, nobody played three or more, and the same regions are
      -- exact. Each is 0 or at least k.
      and not (c.member_titles >= 3 and c.member_titles = c.shown_titles and pp.n = c.member_titles * (c.member_titles - 1) / 2 and (
            t.on_all between 1 and c.k - 1
            or ((c.member_titles = 3 or t.on_all = 0) and (
                exists (
                    select 1 from shown_pairs p
                    where p.period_kind = c.period_kind and p.period_start = c.period_start and p.grouping = c.grouping and p.name = c.name
                      and p.shared - t.on_all between 1 and c.k - 1)
                or exists (
                    select 1 from members m
                    where m.period_kind = c.period_kind and m.period_start = c.period_start and m.grouping = c.grouping and m.name = c.name
                      and m.shown - (select sum(p.shared) from shown_pairs p
                                     where p.period_kind = c.period_kind and p.period_start = c.period_start and p.grouping = c.grouping
                                       and p.name = c.name and m.title_key in (p.a_key, p.b_key)) + t.on_all between 1 and c.k - 1)))))
), published as (
    -- A series whose titles are all of one genre lies inside that genre, and a week inside the
    -- month of its Monday when its Sunday is in it too: the inner group is hidden when the outer
    -- one is 1 to k - 1 above it.
    -- A series week lies inside its genre's month as well.
    -- The groups so hidden are found by a join of candidates on one key column, and taken out by a
    -- NOT IN, which PostgreSQL runs as a hashed subplan however few outer rows it expects (the
    -- keys need only fit in hash_mem: 9,403 short keys on 20 years). Joined to exact (estimated at
    -- a row or two), the candidates were scanned once per group (9,403 x 9,403 rows each).
    select c.*
    from exact c
    where c.group_key not in (
        select i.group_key
        from candidates i
        cross join lateral unnest(array[i.genre_key, i.month_key, i.genre_month_key]) x (outer_key)
        join candidates o on o.group_key = x.outer_key
        where o.viewers - i.viewers between 1 and i.k - 1)
)
select
    p.grouping,
    p.name,
    p.period_kind as period,
    p.period_start,
    p.titles,
    p.viewers,
    case when p.all_plays_shown then p.plays end as plays,
    case when p.all_plays_shown then round(p.watch_seconds / 3600.0, 1) end as watch_hours,
    report.days_covered(p.period_kind, p.period_start, l.first_day, l.last_day) as days_covered,
    not p.all_plays_shown as suppressed
from published p
cross join loaded l;

create view analytics.titles_live with (security_barrier) as
with seen as (
    -- The first day each title had at least k viewers: an earlier day would date a smaller audience.
    select t.title_id, min(d.full_date) as first_day
    from analytics.fact_title_daily f
    join analytics.dim_title t on t.title_key = f.title_key
    join analytics.dim_date d on d.date_key = f.date_key
    cross join report.settings s
    where f.viewers >= s.k and t.title_id is not null
    group by t.title_id
)
select
    c.title_id,
    c.name,
    array(select distinct o.name from analytics.dim_title o where o.title_id = c.title_id and o.name <> c.name order by o.name) as former_names,
    c.kind,
    c.series_name as series,
    c.genre,
    c.release_year,
    seen.first_day
from analytics.dim_title c
left join seen on seen.title_id = c.title_id
where c.is_current and c.title_id is not null;

-- The report views that decide every period at each read, kept by each load (etl.create_kept_view).
select etl.create_kept_view('report.title_segments', 'analytics.title_segments_live', array['day', 'title'], without_nestloop => false);
select etl.create_kept_view('report.title_breakdown', 'analytics.title_breakdown_live', array['period_start', 'title'], without_nestloop => true);
select etl.create_kept_view('report.coviewing', 'analytics.coviewing_live', array['period_start', 'title_a'], without_nestloop => false);
select etl.create_kept_view('report.group_totals', 'analytics.group_totals_live', array['period_start'], without_nestloop => true);
select etl.create_kept_view('report.title_daily', 'analytics.title_daily_live', array['day', 'title_id'], without_nestloop => false);
select etl.create_kept_view('report.title_ratings', 'analytics.title_ratings_live', array['day', 'title_id'], without_nestloop => false);
select etl.create_kept_view('report.title_streaks', 'analytics.title_streaks_live', array['as_of, title_id'], without_nestloop => false);
select etl.create_kept_view('report.titles', 'analytics.titles_live', array['title_id'], without_nestloop => false);

-- The tables the kept views read, through other views, and their partitions, with whether each moves
-- the facts generation on (the trigger of V0036, V0037 and etl.ensure_days). The kept rows
-- themselves and the generations are left out: only etl.refresh_kept_reports() writes them.
create or replace function etl.kept_view_sources() returns table (source regclass, moves_generation boolean)
    language sql
    stable
    set search_path = pg_catalog, pg_temp
as $$
    with recursive read (oid) as (
        select unnest(array['analytics.report_periods_live', 'analytics.title_segments_live', 'analytics.title_breakdown_live',
                            'analytics.coviewing_live', 'analytics.group_totals_live', 'analytics.title_daily_live',
                            'analytics.title_ratings_live', 'analytics.title_streaks_live', 'analytics.titles_live']::regclass[])::oid
        union
        select x.oid
        from read
        cross join lateral (
            select d.refobjid as oid
            from pg_rewrite r
            join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid and d.refclassid = 'pg_class'::regclass
            where r.ev_class = read.oid
            union all
            select i.inhrelid from pg_inherits i where i.inhparent = read.oid) x
    )
    select c.oid::regclass, exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'move_facts_generation')
    from read
    join pg_class c on c.oid = read.oid
    join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')
      and not (n.nspname = 'analytics' and (c.relname like 'kept\_%' or c.relname = 'facts_generation'))
    order by c.oid::regclass::text
$$;
alter function etl.kept_view_sources() owner to tally_owner;
revoke all on function etl.kept_view_sources() from public;
comment on function etl.kept_view_sources() is 'Every table and partition the kept report views read (through other views too), and whether it has the trigger move_facts_generation. R__report_views.sql fails when one has not: a write to it could leave kept rows stale.';

-- Keeps the rows of every kept view (etl.create_kept_view) at the current facts generation.
-- analytics.report_periods first: the others read it. Rows are deleted, not truncated, so that
-- analysts reading during a load see the rows of the last one until it commits.
create or replace function etl.refresh_kept_reports() returns void
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
    set jit = off
as $$
declare
    kept_name text;
    made_at bigint;
begin
    -- The generation the rows are made at, locked: a write that commits while they are made waits,
    -- and moves the generation past them when this transaction commits.
    select generation into made_at from analytics.facts_generation for update;
    foreach kept_name in array array['report_periods', 'title_segments', 'title_breakdown', 'coviewing', 'group_totals', 'title_daily',
                                         'title_ratings', 'title_streaks', 'titles'] loop
        -- (create table as may run in parallel, insert ... select may not: 46 s against 5 s for
        -- title_segments on a busy year. Through <name>_rows(), with its planner settings.)
        execute format('create temporary table kept_now on commit drop as select * from analytics.%I()', kept_name || '_rows');
        execute format('delete from analytics.%I', 'kept_' || kept_name);
        execute format('insert into analytics.%I select * from kept_now', 'kept_' || kept_name);
        drop table kept_now;
        insert into analytics.kept_reports (name, generation) values (kept_name, made_at)
        on conflict (name) do update set generation = excluded.generation;
        execute format('analyze analytics.%I', 'kept_' || kept_name);
    end loop;
end
$$;
alter function etl.refresh_kept_reports() owner to tally_owner;
revoke all on function etl.refresh_kept_reports() from public;
grant execute on function etl.refresh_kept_reports() to tally_loader;
comment on function etl.refresh_kept_reports() is 'Keeps the rows of analytics.report_periods, report.title_segments, title_breakdown, coviewing and group_totals as decided from the facts now (analytics.kept_*), with the facts generation they were made at (analytics.kept_reports); the views read them while no fact, dimension or setting has been written since. tally load calls it after etl.refresh_coviewing_held(), before it commits.';

alter view report.title_daily owner to tally_owner;
alter view report.title_ratings owner to tally_owner;
alter view report.title_weekly owner to tally_owner;
alter view report.title_monthly owner to tally_owner;
alter view report.title_segments owner to tally_owner;
alter view report.title_breakdown owner to tally_owner;
alter view report.coviewing owner to tally_owner;
alter view report.title_streaks owner to tally_owner;
alter view report.titles owner to tally_owner;
alter view report.group_totals owner to tally_owner;

revoke all on report.title_daily, report.title_ratings, report.title_weekly, report.title_monthly,
    report.title_segments, report.title_breakdown, report.coviewing, report.title_streaks, report.titles, report.group_totals from public;
grant select on report.title_daily, report.title_ratings, report.title_weekly, report.title_monthly,
    report.title_segments, report.title_breakdown, report.coviewing, report.title_streaks, report.titles, report.group_totals to tally_analyst;
-- A view's functions run with the privileges of whoever reads the view. The report views call only
-- analytics.<name>_rows() (granted by etl.create_kept_view), whose views run as its owner, so the
-- functions of report that decide are no longer granted (they were until the views were kept).
revoke execute on function report.shown_runs(integer[], integer, boolean[]) from tally_analyst;
revoke execute on function report.days_covered(text, date, date, date) from tally_analyst;
revoke execute on function report.month_weeks(date, date, date) from tally_analyst;
revoke execute on function report.pins_repeaters(bigint, bigint, bigint, integer, integer) from tally_analyst;
revoke execute on function report.held_pairs(text[], date[], integer[], integer[], integer[], integer[], integer[], boolean[], integer[], integer[], integer, integer) from tally_analyst;
revoke execute on function report.missing_pair_values(integer, integer, integer, integer, integer, integer) from tally_analyst;

-- report.title_daily
comment on view report.title_daily is 'Per title per day: audience, plays and watch time. Grain: one row per (day, title) with at least k viewers (report.settings); a missing day means none or fewer than k, never a known 0. Source: analytics.fact_title_daily. Rows add up across titles and days for plays and watch_hours; viewers do not. Thumbs are in title_ratings.';
comment on column report.title_daily.day is 'The day, in the warehouse business time zone (UTC unless configured otherwise). Grain column.';
comment on column report.title_daily.title_id is 'Catalogue title id; NULL for the unknown title (plays of titles not yet in the catalogue). Grain column.';
comment on column report.title_daily.title is 'Title name as it was that day.';
comment on column report.title_daily.kind is 'movie, episode, series, track or album (unknown for the unknown title).';
comment on column report.title_daily.viewers is 'Distinct profiles that played the title that day, at least k. Exact. NOT additive: do not sum across days (one person watching on 3 days is 1 viewer each day).';
comment on column report.title_daily.plays is 'Playback events that day. Additive.';
comment on column report.title_daily.skips is 'Plays that ended before the skip threshold (min of etl.settings.skip_seconds, default 30 s, and skip_runtime_share, default 10%, of the runtime). Additive; skips / plays is the skip rate.';
comment on column report.title_daily.completed_plays is 'Plays watched to the end. Additive; completed_plays / plays is the completion rate.';
comment on column report.title_daily.watch_hours is 'Hours watched (seconds / 3600, rounded to 0.1). Additive.';

-- report.title_ratings
comment on view report.title_ratings is 'Per title per day: thumbs up and down. Grain: one row per (day, title) with at least k raters (distinct profiles that rated it that day), however many watched, and where the people on each side are none or, by raters less the other side, at least k; a missing day means fewer raters (or none), or a side of 1 to k - 1 people, so no small group''s thumbs are shown. Source: analytics.fact_title_daily. Thumbs add up across days and titles; raters do not. Days loaded before raters were counted (warehouse migration V0021) have no row until they are recomputed.';
comment on column report.title_ratings.day is 'The day of the ratings. Grain column.';
comment on column report.title_ratings.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_ratings.title is 'Title name as it was that day.';
comment on column report.title_ratings.kind is 'movie, episode, series, track or album.';
comment on column report.title_ratings.raters is 'Distinct profiles that rated the title that day, at least k. Not additive.';
comment on column report.title_ratings.thumbs_up is 'Thumbs-up ratings given that day. Additive.';
comment on column report.title_ratings.thumbs_down is 'Thumbs-down ratings given that day. Additive.';

-- report.title_weekly
comment on view report.title_weekly is 'Per title per ISO week (Monday to Sunday): distinct audience over the week, plays and watch time. Grain: one row per (week_start, title) with at least k viewers over the week, hidden as well when its people less those of one of its shown days, or those of a shown month holding the week less its own, are 1 to k - 1, or when it would narrow a hidden day or streak (docs/analysts.md, I3, I3b and I5). Source: analytics.fact_title_period (week). Suppression: plays, skips and watch_hours are NULL (suppressed = true) when a day of the title in that week has no row in title_daily, unless the hidden days together hold k or more people and (with report.settings.plays_priority = month, the default) no month the week overlaps shows plays over hidden days of its own. days_covered says how many of the 7 days the warehouse has loaded.';
comment on column report.title_weekly.week_start is 'Monday of the ISO week. Grain column.';
comment on column report.title_weekly.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_weekly.title is 'Title name as of the last loaded day of the week.';
comment on column report.title_weekly.kind is 'movie, episode, series, track or album.';
comment on column report.title_weekly.viewers is 'Distinct profiles that played the title at least once in the week, at least k. Exact; not the sum of daily viewers, and not additive across weeks or titles.';
comment on column report.title_weekly.plays is 'Playback events in the week. Additive (the sum of the days). NULL when suppressed.';
comment on column report.title_weekly.skips is 'Plays in the week that ended before the skip threshold. Additive. NULL under the same rule as plays.';
comment on column report.title_weekly.watch_hours is 'Hours watched in the week, rounded to 0.1. Additive. NULL under the same rule as plays.';
comment on column report.title_weekly.days_covered is 'Days of the week (1 to 7) between the first and the last day the warehouse holds facts for. Below 7 the week is partial: compare it with whole weeks only per day.';
comment on column report.title_weekly.suppressed is 'True when plays, skips and watch_hours are NULL: a day of this title in the week is hidden in title_daily, and either the hidden days hold fewer than k people or (plays_priority = month) a month the week overlaps shows plays over hidden days of its own. viewers is always shown.';

-- report.title_monthly
comment on view report.title_monthly is 'Per title per calendar month: distinct audience over the month, plays and watch time. Grain: one row per (month_start, title) with at least k viewers over the month, hidden as well when its people less those of one of its shown days are 1 to k - 1, or when it would narrow a hidden day, a hidden streak or a week below k, or its days or whole weeks would pin its people on two days or weeks or more (docs/analysts.md, I3, I3b, I3m, I3w and I5). Source: analytics.fact_title_period (month). Suppression: plays, skips and watch_hours are NULL (suppressed = true) when a day of the title in that month has no row in title_daily, unless the hidden days together hold k or more people and (with report.settings.plays_priority = week) no week overlapping the month shows plays over hidden days of its own. days_covered says how many days of the month the warehouse has loaded.';
comment on column report.title_monthly.month_start is 'First day of the month. Grain column.';
comment on column report.title_monthly.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_monthly.title is 'Title name as of the last loaded day of the month.';
comment on column report.title_monthly.kind is 'movie, episode, series, track or album.';
comment on column report.title_monthly.viewers is 'Distinct profiles that played the title at least once in the month, at least k. Exact; not the sum of daily or weekly viewers, and not additive.';
comment on column report.title_monthly.plays is 'Playback events in the month. Additive. NULL when suppressed.';
comment on column report.title_monthly.skips is 'Plays in the month that ended before the skip threshold. Additive. NULL under the same rule as plays.';
comment on column report.title_monthly.watch_hours is 'Hours watched in the month, rounded to 0.1. Additive. NULL under the same rule as plays.';
comment on column report.title_monthly.days_covered is 'Days of the month between the first and the last day the warehouse holds facts for. Below the month''s length the month is partial: do not rank it against whole months.';
comment on column report.title_monthly.suppressed is 'True when plays, skips and watch_hours are NULL: a day of this title in the month is hidden in title_daily, and either the hidden days hold fewer than k people or (plays_priority = week) a week overlapping the month shows plays over hidden days of its own (the month less that week would leave the rest). viewers is always shown.';
comment on column report.title_monthly.thumbs_up is 'Thumbs-up ratings of the title in the month. NULL unless each side is 0 or at least k ratings, and so is what the days title_ratings hides add to it (I7). Additive across titles and months; not a count of people.';
comment on column report.title_monthly.thumbs_down is 'Thumbs-down ratings of the title in the month; NULL with thumbs_up (I7). Additive across titles and months; not a count of people.';

-- report.title_segments
comment on view report.title_segments is 'Per title per day per audience segment: device type, country and audience (age band, plan, kids), with their groupings device_class and region. Grain: one row per shown (day, title, device_type, country_code, age_band, plan, is_kids), plus one all_other row per title-day with hidden segments. Source: analytics.fact_title_daily_segment. Suppression: a segment with fewer than k viewers has no row, and neither do further segments of the same title-day, smallest first, until title_daily''s total minus the shown segments is at least k, and further segments while the all_other row less the other hidden segments'' upper bounds (k - 1 below k, the smallest shown segment above) would leave a hidden segment below k fewer values than the protection level; the hidden segments'' sums are in the all_other row. A missing segment means none, fewer than k, or hidden with them.';
comment on column report.title_segments.day is 'The day. Grain column.';
comment on column report.title_segments.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_segments.title is 'Title name as it was that day.';
comment on column report.title_segments.kind is 'movie, episode, series, track or album.';
comment on column report.title_segments.device_class is 'tv, mobile, web, console or other (ratings, which carry no device, count under other). Group by it to compare device classes. NULL in the all_other row.';
comment on column report.title_segments.device_type is 'Device type as the service reports it; unknown for ratings. Grain column; NULL in the all_other row.';
comment on column report.title_segments.region is 'Europe, North America, Latin America, Asia Pacific, Middle East & Africa or Other. NULL in the all_other row.';
comment on column report.title_segments.country_code is 'ISO 3166-1 alpha-2 country of the play (the account''s country for ratings). Grain column; NULL in the all_other row.';
comment on column report.title_segments.age_band is 'Age band of the account holder (generalised before it left the operational database), or unknown. Grain column; NULL in the all_other row.';
comment on column report.title_segments.plan is 'Subscription plan. Grain column; NULL in the all_other row.';
comment on column report.title_segments.is_kids is 'Whether the activity came from a kids'' profile. Grain column; NULL in the all_other row.';
comment on column report.title_segments.plays is 'Playback events in the segment. Additive: the shown segments and the all_other row add up to title_daily.plays.';
comment on column report.title_segments.skips is 'Plays in the segment that ended before the skip threshold. Additive, like plays.';
comment on column report.title_segments.completed_plays is 'Plays watched to the end. Additive; completed_plays / plays is the completion rate.';
comment on column report.title_segments.watch_hours is 'Hours watched (seconds / 3600, rounded to 0.1). Additive.';
comment on column report.title_segments.viewers is 'Distinct profiles in the segment, at least k. NON-ADDITIVE: one profile on two devices or in two countries counts in both segments, so segments do not sum to title_daily.viewers, nor across days. In the all_other row: title_daily.viewers minus the shown segments'' viewers, a lower bound on the people in the hidden segments.';
comment on column report.title_segments.all_other is 'True for the one row per title-day that sums the hidden segments; its segment columns are NULL.';

-- report.title_breakdown
comment on view report.title_breakdown is 'A title''s week or month by one audience dimension at a time: device_class, region, age_band, plan or kids. Answers "TV against mobile for A Christmas Prince last month". Grain: one row per (period, period_start, title, dimension, value) with at least k viewers, plus one all_other row per (period, period_start, title, dimension) with hidden values. Only title-periods that title_weekly / title_monthly show. Source: analytics.fact_title_period_breakdown. Suppression: as in title_segments, within a title-period and dimension: a value with fewer than k viewers has no row, and further values hide, smallest first, until the period''s viewers minus the shown values'' viewers is at least k, and further cells as the linked-table rules of docs/analysts.md (rule 8) require: a week''s value against its month''s, a month''s against its weeks'', values against segments, and hidden values against the all_other row; the all_other row has that residual and the hidden values'' sums. plays, completed_plays and watch_hours are shown for months only, and NULL (suppressed = true) where title_monthly hides the month''s plays: a value''s month less its weeks would give the plays of a hidden week cell (I4b).';
comment on column report.title_breakdown.period is 'week (ISO, Monday start) or month. Grain column.';
comment on column report.title_breakdown.period_start is 'First day of the period. Grain column.';
comment on column report.title_breakdown.title_id is 'Catalogue title id; NULL for the unknown title. Grain column.';
comment on column report.title_breakdown.title is 'Title name as of the period''s last loaded day.';
comment on column report.title_breakdown.kind is 'movie, episode, series, track or album.';
comment on column report.title_breakdown.dimension is 'device_class, region, age_band, plan or kids: compare the values of one dimension, never across dimensions. Grain column.';
comment on column report.title_breakdown.value is 'The value: tv, mobile, web, console or other; a region; an age band; a plan; kids or adults. NULL in the all_other row. Grain column.';
comment on column report.title_breakdown.viewers is 'Distinct profiles that played the title in the period with this value, at least k. For age_band, plan and kids the values nearly partition the period''s viewers; a person on two devices or in two regions counts in both. In the all_other row: the period''s viewers minus the shown values'' viewers.';
comment on column report.title_breakdown.plays is 'Plays with this value. Additive across the values of one dimension (with all_other, to the month''s plays). NULL when suppressed, and in every week row: a month less its weeks would give the plays of a hidden week cell (I4b).';
comment on column report.title_breakdown.completed_plays is 'Plays watched to the end with this value; completed_plays / plays is the completion rate. NULL when suppressed.';
comment on column report.title_breakdown.watch_hours is 'Hours watched with this value, rounded to 0.1. NULL when suppressed.';
comment on column report.title_breakdown.all_other is 'True for the one row per title-period and dimension that sums the hidden values; value is then NULL.';
comment on column report.title_breakdown.suppressed is 'True when plays, completed_plays and watch_hours are NULL: in every week row (I4b), and in a month row when title_monthly hides the month''s plays.';

-- report.coviewing
comment on view report.coviewing is 'Co-viewing: how many people watched both of two titles in the same ISO week or calendar month. Grain: one row per (period, period_start, title_a, title_b) in both orders (A, B) and (B, A), so where title_a = ''X'' lists every partner of X. A pair is shown when both titles'' periods are shown in title_weekly / title_monthly, shared_viewers, viewers_a and viewers_b are at least k, and the people who watched one title and not the other are 0 or at least k (I2), a week''s pair is 0 or at least k below the pair of a month holding the week that I2 would show (I5p), and no hidden pair of two shown titles, nor couple of them below the floor, would be bounded to fewer than p values (k - 1 at most) through one or two third titles whose pairs with it are shown, counting for a pair I2 or I5p hides and a couple only the values a missing pair may take, and for a week''s pair its month''s as a ceiling and for a month''s pair its weeks'' as a floor (I2t, report.held_pairs); a missing pair has fewer shared viewers than the storage floor (etl.coviewing_floor()), or is hidden by those rules. I2t decides over every pair of a period; each load (and tally migrate up) decides the periods whose counts changed and keeps each decision with a digest of its inputs, and a read decides only the periods whose counts or settings changed since the last load. Source: analytics.fact_coviewing and fact_title_period. Every column is a count shown elsewhere or a function of this row''s counts: nothing here depends on the period''s whole audience, which would hold every hidden title of the period. No counts add up.';
comment on column report.coviewing.period is 'week (ISO, Monday start) or month. Grain column.';
comment on column report.coviewing.period_start is 'First day of the period. Grain column.';
comment on column report.coviewing.title_a_id is 'Catalogue id of the first title of the pair. Grain column.';
comment on column report.coviewing.title_a is 'Name of the first title (as of the period''s last loaded day).';
comment on column report.coviewing.title_b_id is 'Catalogue id of the second title. Grain column.';
comment on column report.coviewing.title_b is 'Name of the second title.';
comment on column report.coviewing.shared_viewers is 'Distinct profiles that played both titles in the period, at least k. Exact; not additive.';
comment on column report.coviewing.viewers_a is 'Distinct profiles that played title A in the period (as in title_weekly / title_monthly), at least k; viewers_a - shared_viewers is 0 or at least k.';
comment on column report.coviewing.viewers_b is 'Distinct profiles that played title B in the period, at least k; viewers_b - shared_viewers is 0 or at least k.';
comment on column report.coviewing.jaccard is 'shared_viewers / (viewers_a + viewers_b - shared_viewers): the overlap of the two audiences, 0 to 1, rounded to 0.001.';

-- report.title_streaks
comment on view report.title_streaks is 'Binge streaks: how many people watched a title on every one of the streak_days consecutive days ending on as_of. Answers "how many people watched A Christmas Prince every day for the past 18 days". Grain: one row per (as_of, title, streak_days), streak_days from 2 up to the load''s maximum (30 by default), shown when at least k people qualify and the count equals the next shorter shown length (or the day''s viewers in title_daily) or lies at least k below it, and no count of an earlier day that holds the same people (a shorter run ending on one of the streak''s earlier days) is 1 to k - 1 above it, so that no two shown counts differ by 1 to k - 1 people. A missing row means none, fewer than k, or hidden by that rule: it is never a known 0. Source: analytics.fact_title_streak. Not additive.';
comment on column report.title_streaks.as_of is 'Last day of the streak. Grain column.';
comment on column report.title_streaks.title_id is 'Catalogue title id. Grain column.';
comment on column report.title_streaks.title is 'Title name as of as_of.';
comment on column report.title_streaks.streak_days is 'Length of the run of consecutive days ending on as_of, from 2. Grain column.';
comment on column report.title_streaks.viewers is 'People who played the title on each of the streak_days days ending on as_of (at least that long a run), at least k. Exact; decreases as streak_days grows.';

-- report.titles
comment on view report.titles is 'The catalogue, to find titles by name: one row per title as it is now, with its former names. Grain: one row per title_id. Match names case-insensitively (name ilike ''%prince%''), and on title_id in the other views. Source: analytics.dim_title and fact_title_daily.';
comment on column report.titles.title_id is 'Catalogue title id, as in every other view. Grain column.';
comment on column report.titles.name is 'The title''s current name.';
comment on column report.titles.former_names is 'Names the title had before (renames), sorted; empty when none.';
comment on column report.titles.kind is 'movie, episode, series, track or album.';
comment on column report.titles.series is 'Series the title belongs to, if any.';
comment on column report.titles.genre is 'Genre, if the catalogue has one.';
comment on column report.titles.release_year is 'Year of release, if known.';
comment on column report.titles.first_day is 'First day on which at least k people played the title (NULL if none yet): an earlier first play would date a smaller audience.';

-- report.group_totals
comment on view report.group_totals is 'Series and genre totals of a week or a month: distinct people who played any title of the series or genre. Answers "how many people watched any episode of Echo of Crimson Street in November". Grain: one row per (grouping, name, period, period_start) with at least k viewers, hidden as well when the group less one of its shown titles (title_weekly / title_monthly) or one of their shown days is 1 to k - 1 people, when a genre holding a series, or a month holding a week, is 1 to k - 1 above it, or when it would narrow a title hidden for having fewer than k viewers, or a month''s whole weeks would pin its people in two weeks or more (docs/analysts.md, I6 and I3m). A title belongs to the series and genre it has as of the period''s last loaded day. Source: analytics.fact_group_period. Viewers are not additive across groups or periods.';
comment on column report.group_totals.grouping is 'series or genre. Grain column.';
comment on column report.group_totals.name is 'The series'' or the genre''s name (dim_title.series_name, dim_title.genre). Grain column.';
comment on column report.group_totals.period is 'week (ISO, Monday start) or month. Grain column.';
comment on column report.group_totals.period_start is 'First day of the week or month. Grain column.';
comment on column report.group_totals.titles is 'Titles of the group with a play in the period, shown or not in the title views: a title counted here and missing from title_weekly / title_monthly had at least one viewer.';
comment on column report.group_totals.viewers is 'Distinct profiles with a play of any title of the group in the period, at least k. Exact.';
comment on column report.group_totals.plays is 'Plays of the group''s titles: the sum of their title_weekly / title_monthly plays. NULL (suppressed) unless every title of the group shows its plays there, since the group less its shown titles would give the plays of the hidden ones.';
comment on column report.group_totals.watch_hours is 'Hours watched of the group''s titles, one decimal; NULL when plays is.';
comment on column report.group_totals.days_covered is 'Days of the period between the first and the last day the warehouse holds facts for. Below the period''s length the period is partial.';
comment on column report.group_totals.suppressed is 'True when plays and watch_hours are hidden.';

-- The decisions emptied above, made again with the functions of this file, and the kept views'
-- rows, so that no read decides every period until the next load.
do $$
declare
    missing text;
begin
    select string_agg(source::text, ', ') into missing from etl.kept_view_sources() where not moves_generation;
    if missing is not null then
        raise exception 'the kept report views read % without the trigger move_facts_generation, so a write there would leave kept rows stale', missing
            using hint = 'Create it on each as V0036 does: after insert or update or delete or truncate, for each statement, execute function analytics.move_facts_generation().';
    end if;
end
$$;
select etl.refresh_coviewing_held();
select etl.refresh_kept_reports();
