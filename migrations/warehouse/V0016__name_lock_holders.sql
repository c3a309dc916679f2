-- Lets the load name the session that holds the load lock, whichever login it runs as.
-- PostgreSQL shows another role's client address and transaction start only to members of
-- pg_read_all_stats, and loads run as several logins of tally_loader. etl.load_lock_holder()
-- (R__etl_functions.sql) runs as tally_owner, which no login is a member of, and returns only the
-- lock holder's pid, login, application, client and start: never a query text.
-- Grain: one grant.

do $$
begin
    grant pg_read_all_stats to tally_owner;
exception
    -- Several databases on one cluster may migrate at once: a lost race means the grant is there.
    when unique_violation or duplicate_object then null;
    when insufficient_privilege then
        raise notice 'tally_owner was not granted pg_read_all_stats (the migrating role may not grant it): a load blocked by another login''s run names its pid, login and application, but not its host and start. A superuser can run: grant pg_read_all_stats to tally_owner';
end
$$;
