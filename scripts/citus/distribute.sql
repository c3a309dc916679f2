-- Distributes a Tally warehouse's person-level state over a Citus cluster. Run it on the
-- coordinator, as a superuser, after 'tally migrate up --db warehouse' and after the workers are
-- added (citus_add_node):
--
--     psql "$TALLY_WAREHOUSE_URL" -v ON_ERROR_STOP=1 -f scripts/citus/distribute.sql
--
-- It is idempotent: a table that Citus already holds as intended is left as it is, so a second run
-- changes nothing. It takes the load lock, so it refuses to run while a load runs.
-- docs/scaling.md gives the steps and the traps.
--
-- What goes where:
--   private.activity        hash-distributed by person_key: the table that grows with people x days
--                           x titles, read back a group of people at a time and purged per person;
--   private.play_durations  hash-distributed by title_id;
--   private.people          a reference table (a copy on every worker): it has two unique keys
--                           (person_key and pseudonym), and Citus needs the distribution column in
--                           every unique key. Each worker joins its activity to it locally;
--   everything else         stays a plain table on the coordinator: the facts and dimensions (they
--                           grow with titles x days, not with people), etl and report.settings.
--                           Citus checks every Citus table that a query reads, through a view
--                           too, against the role that runs the query (citus#1683, #6161): an
--                           analyst, who may read only the report views, would be refused every
--                           report view over a distributed or reference table. Granting analysts
--                           the facts themselves would undo the privacy model, so they stay local.

\set ON_ERROR_STOP on

do $$
declare
    t record;
    current record;
begin
    if not exists (select 1 from pg_extension where extname = 'citus') then
        raise exception 'the citus extension is not installed in database %', current_database()
            using hint = 'Preload it (shared_preload_libraries = ''citus''), CREATE EXTENSION citus; in this database and on every worker, add the workers with citus_add_node, then run this script again.';
    end if;
    if not exists (select 1 from pg_catalog.pg_dist_node where groupid = 0) then
        raise exception 'the coordinator is not a node of its Citus cluster'
            using hint = 'Register it on the coordinator: SELECT citus_set_coordinator_host(''coordinator-host'', 5432); (reference tables keep a copy there, which the load joins its staging tables to).';
    end if;
    if (select count(*) from pg_catalog.pg_dist_node where noderole = 'primary' and groupid <> 0) = 0 then
        raise exception 'the Citus cluster has no worker'
            using hint = 'Add them on the coordinator: SELECT citus_add_node(''worker-host'', 5432); for each worker.';
    end if;
    -- The load lock (tally load takes it the same way): no load runs while the state moves.
    begin
        lock table etl.watermark in exclusive mode nowait;
    exception when lock_not_available then
        raise exception 'a tally load is running (it holds the load lock on etl.watermark)'
            using hint = 'Run this script when the load has finished, or between two cron runs.';
    end;
    -- The private tables. A migration that adds one adds it here too.
    for t in
        select * from (values
            ('private.people', 'reference', null),
            ('private.activity', 'distributed', 'person_key'),
            ('private.play_durations', 'distributed', 'title_id')
        ) as v(name, kind, col)
    loop
        select c.citus_table_type, c.distribution_column into current from citus_tables c where c.table_name = t.name::regclass;
        if found and (current.citus_table_type <> t.kind or (t.col is not null and current.distribution_column <> t.col)) then
            raise exception '% is already a % table of Citus (distribution column %), not % by %', t.name,
                current.citus_table_type, current.distribution_column, t.kind, coalesce(t.col, '-')
                using hint = format('Undo it with SELECT undistribute_table(%L); then run this script again.', t.name);
        end if;
        if not found then
            if t.kind = 'reference' then
                perform create_reference_table(t.name::regclass);
            else
                perform create_distributed_table(t.name::regclass, t.col, colocate_with => 'none');
            end if;
            raise notice 'distributed % (%)', t.name, coalesce(t.col, t.kind);
        end if;
        -- The rows copied to the shards are still on the coordinator's disk, out of sight: an
        -- erased person's rows would linger there. Emptying them again is harmless.
        perform truncate_local_data_after_distributing_table(t.name::regclass);
    end loop;
end
$$;
