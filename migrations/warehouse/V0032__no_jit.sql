-- JIT off in the warehouse database. The report views plan over hundreds of monthly partitions, and
-- their estimated costs put every analyst query far above jit_above_cost: on the 20-year bench
-- history, title_monthly for one month took 20.4 s with JIT (about 9 s of it compiling some 2,000
-- functions, one set per partition) and 2.8 s without. The load's own statements are COPY and
-- simple joins, which JIT does not speed up. A DBA who wants it back for a role or a session can
-- set jit = on there; a database-level setting applies to new sessions.
-- Grain: one setting of the database the migration runs in.

do $$
begin
    execute pg_catalog.format('alter database %I set jit = off', pg_catalog.current_database());
end
$$;
