-- Only the roles that work on the operational database may connect to it (issue 17). By default
-- PUBLIC may connect to every database, so an analyst's warehouse login could open a session here
-- and create temporary tables, though it could read nothing. Superusers connect regardless.
-- Grain: the database's CONNECT privilege.

do $$
begin
    execute pg_catalog.format('revoke connect on database %I from public', pg_catalog.current_database());
    execute pg_catalog.format(
        'grant connect on database %I to tally_owner, tally_app, tally_support, tally_approver_cs, '
        'tally_approver_security, tally_auditor, tally_etl_reader, tally_audit_writer', pg_catalog.current_database());
end
$$;
