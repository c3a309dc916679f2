-- Group roles of the operational database, and the one login the audit trail writes through.
-- Grain: one NOLOGIN role per line of work. People and services log in as roles of their own that
-- are members of these; nobody logs in as a group role, and no login is ever a member of tally_owner.
--
-- Roles are cluster-wide and several databases on one cluster may migrate at the same time, so each
-- role is created in a block of its own that treats "already exists", or losing the race to create
-- it (unique_violation), as success. A plain IF NOT EXISTS check would race. The comment is written
-- only by the transaction that created the role, so concurrent migrations never update the same
-- shared catalogue row. There are no role memberships and no ALTER ROLE here for the same reason.

do $$
begin
    create role tally_owner nologin;
    comment on role tally_owner is 'Tally: owns every table, view, function and schema of the operational database. No login is a member; only migrations (run by a superuser) and SECURITY DEFINER functions act as it.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_app nologin;
    comment on role tally_app is 'Tally: the streaming service backend. Sees and changes only the account bound with set local tally.account_id.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_support nologin;
    comment on role tally_support is 'Tally: customer-service agents. Read one account only under an approved, unexpired grant; every read is audited.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_approver_cs nologin;
    comment on role tally_approver_cs is 'Tally: customer-service leads, who give the customer-service approval of a support access request.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_approver_security nologin;
    comment on role tally_approver_security is 'Tally: security and regulatory staff, who give the security approval of a support access request.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_auditor nologin;
    comment on role tally_auditor is 'Tally: auditors. The only readers of audit.access_log.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_etl_reader nologin;
    comment on role tally_etl_reader is 'Tally: the nightly loader. Reads non-PII columns, the etl views (age band, erasures) and nothing else.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

-- The audit writer logs in, but only from inside the server: SECURITY DEFINER audit functions open a
-- dblink connection as this role so that an audit entry commits on its own, whatever the reader does
-- with its transaction. It has no password and owns nothing; docs/security.md gives the pg_hba line.
do $$
begin
    create role tally_audit_writer login noinherit;
    comment on role tally_audit_writer is 'Tally: the autonomous audit writer. Only the audit functions connect as it, over the local socket; it may only execute audit.append_read and audit.append_event.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

-- Fail the migration, rather than run on a weaker footing, if a role with one of these names already
-- existed with powers it must not have, or if anybody was made a member of tally_owner.
do $$
declare
    too_strong text;
    owner_members text;
begin
    select string_agg(r.rolname, ', ' order by r.rolname)
        into too_strong
        from pg_catalog.pg_roles r
        where r.rolname in (
                'tally_owner', 'tally_app', 'tally_support', 'tally_approver_cs',
                'tally_approver_security', 'tally_auditor', 'tally_etl_reader', 'tally_audit_writer'
            )
            and (
                r.rolsuper or r.rolbypassrls or r.rolcreaterole or r.rolcreatedb or r.rolreplication
                or (r.rolcanlogin and r.rolname <> 'tally_audit_writer')
            );
    if too_strong is not null then
        raise exception 'roles % exist with LOGIN, SUPERUSER, BYPASSRLS, CREATEROLE, CREATEDB or REPLICATION', too_strong
            using hint = 'Tally group roles must be plain NOLOGIN roles. Run ALTER ROLE ... NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION, then migrate again.';
    end if;

    select string_agg(m.member::regrole::text, ', ')
        into owner_members
        from pg_catalog.pg_auth_members m
        where m.roleid = 'tally_owner'::regrole;
    if owner_members is not null then
        raise exception 'roles % are members of tally_owner', owner_members
            using hint = 'Nobody may act as the owner: REVOKE tally_owner FROM them, then migrate again.';
    end if;
end
$$;
