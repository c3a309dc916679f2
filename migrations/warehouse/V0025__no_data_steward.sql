-- No human role reads unsuppressed facts by default (issue 18). tally_data_steward read every
-- analytics table, cells of one viewer included, with no grant, time box or log. It now reads
-- nothing: analysts read the report views, which suppress; the loader writes analytics; a DBA who
-- must read a raw cell does so as a superuser, which the server's audit log records
-- (docs/security.md). The role itself is cluster-wide and other databases of the cluster may be
-- migrating while this runs, so it is emptied here, not dropped; a DBA may drop it.
-- Grain: the role's privileges in this database.

revoke all on all tables in schema analytics from tally_data_steward;
revoke usage on schema analytics from tally_data_steward;
alter default privileges for role tally_owner in schema analytics revoke select on tables from tally_data_steward;
do $$
begin
    execute pg_catalog.format('revoke all on database %I from tally_data_steward', pg_catalog.current_database());
end
$$;
