-- The heaviest report views decide every period of the history at each read (15 to 60 s a read on
-- a busy year, bench/RESULTS.md). Each load now keeps their rows (R__report_views.sql: the
-- analytics.kept_* tables, etl.refresh_kept_reports()), and a view reads the kept rows while they
-- were made from the facts and settings as they stand. This migration adds what tells them apart:
-- a generation of the facts that every write to a table a report view reads moves on, and the
-- generation each kept view was made at.
-- Grain: facts_generation one row; kept_reports one row per kept view.

create table analytics.facts_generation (
    singleton boolean primary key default true check (singleton),
    generation bigint not null default 0
);
alter table analytics.facts_generation owner to tally_owner;
revoke all on analytics.facts_generation from public, tally_loader;
insert into analytics.facts_generation default values;
comment on table analytics.facts_generation is 'How many statements have written a table the report views read (facts, dimensions, co-viewing decisions, report.settings): a kept view (analytics.kept_reports) made at another generation is not read. Moved on by a statement trigger on each such table; not granted to analysts or the loader.';

create table analytics.kept_reports (
    name text primary key,
    generation bigint not null
);
alter table analytics.kept_reports owner to tally_owner;
revoke all on analytics.kept_reports from public, tally_loader;
comment on table analytics.kept_reports is 'Per kept report view (analytics.kept_<name>), the facts generation its rows were made at by etl.refresh_kept_reports(). The view reads the kept rows only while that is the current generation, and decides from the facts otherwise. Not granted to analysts or the loader.';

-- Runs as its owner, so that the loader needs no grant on facts_generation.
create function analytics.move_facts_generation() returns trigger
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
as $$
begin
    update analytics.facts_generation set generation = generation + 1;
    return null;
end
$$;
alter function analytics.move_facts_generation() owner to tally_owner;
revoke all on function analytics.move_facts_generation() from public;
comment on function analytics.move_facts_generation() is 'Statement trigger: moves analytics.facts_generation on, so that no kept report view is read after a write to what it was made from.';

-- Every table a report view reads. Partitions are written through their parents.
do $$
declare
    source regclass;
begin
    foreach source in array array[
        'analytics.dim_date', 'analytics.dim_title', 'analytics.dim_device', 'analytics.dim_region',
        'analytics.dim_audience', 'analytics.fact_title_daily', 'analytics.fact_title_daily_segment',
        'analytics.fact_title_period', 'analytics.fact_title_period_breakdown', 'analytics.fact_coviewing',
        'analytics.fact_title_streak', 'analytics.fact_group_period', 'analytics.coviewing_decisions',
        'analytics.coviewing_held', 'report.settings']::regclass[]
    loop
        execute pg_catalog.format(
            'create trigger move_facts_generation after insert or update or delete or truncate on %s '
            'for each statement execute function analytics.move_facts_generation()', source);
    end loop;
end
$$;
