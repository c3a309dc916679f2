-- V0036's triggers sit on the partitioned fact tables, and a statement on one of their partitions
-- fires only the partition's own triggers: a write to a monthly partition would leave kept report
-- rows stale. Every existing partition gets the trigger; etl.ensure_days gives it to new ones, and
-- R__report_views.sql fails when a table or partition the kept views read lacks it.
-- Grain: one trigger per partition.

do $$
declare
    part regclass;
begin
    for part in
        select i.inhrelid::regclass
        from pg_inherits i
        where i.inhparent in ('analytics.fact_title_daily'::regclass, 'analytics.fact_title_daily_segment'::regclass,
                              'analytics.fact_title_streak'::regclass)
          and not exists (select 1 from pg_trigger t where t.tgrelid = i.inhrelid and t.tgname = 'move_facts_generation')
    loop
        execute pg_catalog.format(
            'create trigger move_facts_generation after insert or update or delete or truncate on %s '
            'for each statement execute function analytics.move_facts_generation()', part);
    end loop;
end
$$;
