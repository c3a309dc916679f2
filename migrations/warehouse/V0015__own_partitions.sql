-- Partitions created before the warehouse functions were owned by tally_owner belong to whoever ran
-- the migrations (often postgres): give them to tally_owner, as every partition created from now on is.
-- Grain: one statement per partition of an analytics table that another role owns.

do $$
declare
    part regclass;
begin
    for part in
        select c.oid::regclass
        from pg_catalog.pg_inherits i
        join pg_catalog.pg_class c on c.oid = i.inhrelid
        join pg_catalog.pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'analytics' and c.relispartition and c.relkind in ('r', 'p')
            and c.relowner <> 'tally_owner'::regrole
    loop
        execute pg_catalog.format('alter table %s owner to tally_owner', part);
    end loop;
end
$$;
