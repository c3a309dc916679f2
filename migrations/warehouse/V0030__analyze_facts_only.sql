-- etl.analyze_facts (V0029) analyses only the tables that are not partitioned by day. ANALYZE of a
-- partitioned table also analyses every partition: on a 20-year history (some 240 monthly partitions
-- for each of three tables) it took 2.2 s of a 6 s load, against 0.4 s for these. The report views
-- got their speed from these tables' statistics (a whole-view scan of the demo: 450 s with none,
-- 14 s with these, 10 s with all), and autovacuum analyses the partitions themselves.
-- Grain: one function.

create or replace function etl.analyze_facts() returns void
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
as $$
begin
    analyze analytics.fact_title_period, analytics.fact_title_period_breakdown, analytics.fact_period_audience,
        analytics.fact_coviewing, analytics.dim_title, analytics.dim_date, analytics.dim_device, analytics.dim_region,
        analytics.dim_audience;
end
$$;
comment on function etl.analyze_facts() is 'ANALYZE, as their owner, of the analytics tables not partitioned by day: tally load calls it at the end of a history load (a first load or a backfill), so the report views have statistics before autovacuum gets to them. Partitions are left to autovacuum.';
