-- Schemas of the operational database, and the dblink extension the audit trail writes through.
-- Grain: one schema per trust zone.
--     app      the source tables of the streaming service (personal data, guarded by RLS)
--     privacy  the PII catalogue and the support access workflow (requests, approvals, functions)
--     audit    the append-only access log and its autonomous writer
--     etl      the generalised, non-PII views the nightly loader reads
--     dblink   the dblink extension, callable by tally_owner only

create schema app;
alter schema app owner to tally_owner;
comment on schema app is 'Source tables of the streaming service: accounts, profiles, titles, playback events, ratings. Holds PII; row-level security is enabled and forced on every table with personal data.';

create schema privacy;
alter schema privacy owner to tally_owner;
comment on schema privacy is 'The PII catalogue (privacy.column_classification) and the approved, time-boxed support access workflow. Its tables change only through SECURITY DEFINER functions.';

create schema audit;
alter schema audit owner to tally_owner;
comment on schema audit is 'The append-only audit trail of support reads and of access requests, approvals and revocations. Readable by tally_auditor only.';

create schema etl;
alter schema etl owner to tally_owner;
comment on schema etl is 'What the nightly loader (tally_etl_reader) reads beyond plain column grants: generalised profile attributes and erasures. Nothing here is PII.';

-- dblink lets an audit entry commit in a session of its own, so it survives the reader's ROLLBACK.
-- Its schema is not tally_owner's: the extension's functions belong to the superuser that installs
-- it, and only the few the audit writer needs are granted, to tally_owner alone.
create schema dblink;
comment on schema dblink is 'The dblink extension. No PUBLIC access: tally_owner may execute dblink_connect_u, dblink, dblink_disconnect and dblink_get_connections, for the audit writer only.';

do $$
declare
    installed_in text;
begin
    select n.nspname into installed_in
        from pg_catalog.pg_extension e
        join pg_catalog.pg_namespace n on n.oid = e.extnamespace
        where e.extname = 'dblink';
    if installed_in is not null and installed_in <> 'dblink' then
        raise exception 'the dblink extension is already installed in schema %', installed_in
            using hint = 'Tally needs dblink in a schema of its own with no PUBLIC access. Run ALTER EXTENSION dblink SET SCHEMA dblink (after checking nothing else uses it), then migrate again.';
    end if;
end
$$;

create extension if not exists dblink with schema dblink;

revoke all on schema dblink from public;
revoke all on all functions in schema dblink from public;
grant usage on schema dblink to tally_owner;
grant execute on function
    dblink.dblink_connect_u(text, text),
    dblink.dblink(text, text),
    dblink.dblink_disconnect(text),
    dblink.dblink_get_connections()
    to tally_owner;
