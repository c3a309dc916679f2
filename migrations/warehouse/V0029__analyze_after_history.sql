-- Statistics right after a history load (issue 17's finding): a first load or a backfill writes
-- every fact at once, and until autovacuum analyses the tables the planner has no statistics, so a
-- whole-view scan of the report views took minutes instead of seconds. The loader may not ANALYZE
-- tables it does not own; this function, owned by tally_owner, does it for the tables a load writes.
-- Grain: one function.

create function etl.analyze_facts() returns void
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
as $$
begin
    analyze analytics.fact_title_daily, analytics.fact_title_daily_segment, analytics.fact_title_period,
        analytics.fact_title_period_breakdown, analytics.fact_period_audience, analytics.fact_coviewing,
        analytics.fact_title_streak, analytics.dim_title, analytics.dim_date, analytics.dim_device, analytics.dim_region,
        analytics.dim_audience, private.activity, private.play_durations, private.people;
end
$$;
alter function etl.analyze_facts() owner to tally_owner;
revoke all on function etl.analyze_facts() from public;
grant execute on function etl.analyze_facts() to tally_loader;
comment on function etl.analyze_facts() is 'ANALYZE of the tables a load writes, as their owner: tally load calls it at the end of a history load (a first load or a backfill), so the report views have statistics before autovacuum gets to them.';
