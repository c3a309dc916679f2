-- Distributes a Tally warehouse's person-level state over a Citus cluster. Run it on the
-- coordinator, as a superuser, after 'tally migrate up --db warehouse' and after the workers are
-- added (citus_add_node):
--
--     psql "$TALLY_WAREHOUSE_URL" -v ON_ERROR_STOP=1 -f scripts/citus/distribute.sql
--
-- It is idempotent: a table that Citus already holds as intended is left as it is, so a second run
-- changes nothing. docs/scaling.md gives the steps and the traps.
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
begin
    if not exists (select 1 from pg_extension where extname = 'citus') then
        raise exception 'the citus extension is not installed in database %', current_database()
            using hint = 'Preload it (shared_preload_libraries = ''citus''), CREATE EXTENSION citus; in this database and on every worker, add the workers with citus_add_node, then run this script again.';
    end if;
    if (select count(*) from pg_catalog.pg_dist_node where noderole = 'primary' and groupid <> 0) = 0 then
        raise exception 'the Citus cluster has no worker'
            using hint = 'Add them on the coordinator: SELECT citus_add_node(''worker-host'', 5432); for each worker.';
    end if;
    for t in
        select * from (values
            ('private.people', 'reference', null),
            ('private.activity', 'distributed', 'person_key'),
            ('private.play_durations', 'distributed', 'title_id')
        ) as v(name, kind, col)
    loop
        if exists (select 1 from citus_tables where table_name = t.name::regclass and citus_table_type = t.kind) then
            continue;
        end if;
        if t.kind = 'reference' then
            perform create_reference_table(t.name::regclass);
        else
            perform create_distributed_table(t.name::regclass, t.col, colocate_with => 'none');
        end if;
        -- The rows copied to the shards are still on the coordinator's disk, out of sight.
        perform truncate_local_data_after_distributing_table(t.name::regclass);
        raise notice 'distributed % (%)', t.name, coalesce(t.col, t.kind);
    end loop;
end
$$;
