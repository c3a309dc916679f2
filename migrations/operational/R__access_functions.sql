-- Functions behind app isolation, the support access workflow and the autonomous audit writer.
-- Grain: one function per step. Re-applied whenever this file changes, so every statement is
-- idempotent (create or replace, then owner, revokes and grants).
--
-- Every SECURITY DEFINER function runs as tally_owner with search_path pinned to pg_catalog, pg_temp
-- and names every object with its schema. People are identified by session_user, the login that
-- connected: inside a SECURITY DEFINER function current_user is tally_owner.

-- ------------------------------------------------------------------------------------------------
-- App isolation
-- ------------------------------------------------------------------------------------------------

create or replace function app.bound_account_id()
    returns uuid
    language sql
    stable
    set search_path = pg_catalog, pg_temp
as $$
    select nullif(pg_catalog.current_setting('tally.account_id', true), '')::uuid
$$;
comment on function app.bound_account_id() is 'The account this transaction is bound to by set local tally.account_id, or NULL when none is (then tally_app sees nothing). Used by the tally_app policies.';

-- ------------------------------------------------------------------------------------------------
-- The clock that grants expire by
-- ------------------------------------------------------------------------------------------------

create or replace function privacy.clock()
    returns timestamptz
    language sql
    volatile
    set search_path = pg_catalog, pg_temp
as $$
    select pg_catalog.clock_timestamp()
$$;
comment on function privacy.clock() is 'The instant grant expiry is judged by: clock_timestamp(), so a grant ends mid-transaction too. One function, owned by tally_owner, so that a test database can move it forward instead of waiting.';

-- ------------------------------------------------------------------------------------------------
-- The autonomous audit writer
-- ------------------------------------------------------------------------------------------------

-- One libpq keyword value, quoted so that spaces, quotes and backslashes survive.
create or replace function audit.conninfo_value(value text)
    returns text
    language sql
    immutable
    strict
    set search_path = pg_catalog, pg_temp
as $$
    select '''' || pg_catalog.replace(pg_catalog.replace(value, E'\\', E'\\\\'), '''', E'\\''') || ''''
$$;
comment on function audit.conninfo_value(text) is 'Quotes one libpq connection keyword value. Owner-only helper of audit.writer_conninfo.';

create or replace function audit.writer_conninfo()
    returns text
    language sql
    stable
    set search_path = pg_catalog, pg_temp
as $$
    select pg_catalog.format(
        'host=%s port=%s dbname=%s user=tally_audit_writer application_name=tally_audit_writer connect_timeout=10 options=%s',
        audit.conninfo_value(s.host),
        coalesce(s.port::text, pg_catalog.current_setting('port')),
        audit.conninfo_value(pg_catalog.current_database()),
        audit.conninfo_value('-c statement_timeout=10s -c lock_timeout=5s')
    )
    from audit.writer_settings s
$$;
comment on function audit.writer_conninfo() is 'Connection string of the audit writer session: this database, over the socket in audit.writer_settings, as tally_audit_writer. Owner-only.';

-- Runs one query returning one text value in a session of its own, which commits on its own.
-- dblink_connect_u is the SECURITY DEFINER variant of dblink_connect, owned by the superuser that
-- installed dblink, so it may connect without a password (trust or peer on the local socket);
-- only tally_owner may execute it. The connection is closed before returning, so no open link is
-- ever left in the caller's session.
create or replace function audit.run_autonomously(query text)
    returns text
    language plpgsql
    volatile
    set search_path = pg_catalog, pg_temp
as $$
declare
    answer text;
begin
    if 'tally_audit' = any (coalesce(dblink.dblink_get_connections(), '{}'::text[])) then
        perform dblink.dblink_disconnect('tally_audit');
    end if;
    begin
        perform dblink.dblink_connect_u('tally_audit', audit.writer_conninfo());
    exception
        when others then
            raise exception 'the audit trail cannot be written, so the access is refused: %', sqlerrm
                using errcode = 'XX000',
                    hint = 'The audit writer connects as tally_audit_writer over the local socket recorded in audit.writer_settings; check pg_hba.conf (see docs/security.md) and that row.';
    end;
    begin
        select t.answer into answer from dblink.dblink('tally_audit', run_autonomously.query) as t(answer text);
    exception
        when others then
            perform dblink.dblink_disconnect('tally_audit');
            raise;
    end;
    perform dblink.dblink_disconnect('tally_audit');
    return answer;
end
$$;
comment on function audit.run_autonomously(text) is 'Runs one single-value query in a separate session (dblink, as tally_audit_writer) that commits on its own, and returns the value. Owner-only.';

-- Executed in the writer session: re-checks the grant against the latest committed state (so a
-- revocation counts even for a reader whose snapshot predates it), then records the read once per
-- (statement token, account, relation).
create or replace function audit.append_read(
    p_actor text,
    p_account_id uuid,
    p_request_id bigint,
    p_relation text,
    p_statement_token uuid,
    p_backend_pid integer,
    p_transaction_id bigint,
    p_statement text
)
    returns boolean
    language plpgsql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    still_active boolean;
begin
    still_active := exists (
        select 1
        from privacy.access_requests r
        where r.request_id = p_request_id
            and r.account_id = p_account_id
            and r.requested_by = p_actor
            and r.granted_at is not null
            and r.revoked_at is null
            and r.expires_at > privacy.clock()
    );
    insert into audit.access_log (
        actor, action, outcome, account_id, request_id, relation, statement, statement_token, backend_pid,
        transaction_id
    )
    values (
        p_actor, 'select', case when still_active then 'read' else 'denied' end, p_account_id, p_request_id,
        p_relation, p_statement, p_statement_token, p_backend_pid, p_transaction_id
    )
    on conflict do nothing;
    return still_active;
end
$$;
comment on function audit.append_read(text, uuid, bigint, text, uuid, integer, bigint, text) is 'Writer-session half of a read audit: re-checks the grant with the latest committed state and the clock, appends one entry per statement token, account and relation, and answers whether the rows may be shown. Executable by tally_audit_writer only.';

create or replace function audit.append_event(
    p_actor text,
    p_action text,
    p_outcome text,
    p_account_id uuid,
    p_request_id bigint,
    p_detail text,
    p_backend_pid integer
)
    returns boolean
    language plpgsql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
begin
    insert into audit.access_log (actor, action, outcome, account_id, request_id, detail, backend_pid)
    values (p_actor, p_action, p_outcome, p_account_id, p_request_id, p_detail, p_backend_pid);
    return true;
end
$$;
comment on function audit.append_event(text, text, text, uuid, bigint, text, integer) is 'Writer-session half of a workflow audit: appends one request, approval, grant, revocation or refusal entry. Executable by tally_audit_writer only.';

create or replace function audit.record_read(p_account_id uuid, p_request_id bigint, p_relation text, p_statement_token uuid)
    returns boolean
    language plpgsql
    volatile
    set search_path = pg_catalog, pg_temp
as $$
begin
    return audit.run_autonomously(pg_catalog.format(
        'select audit.append_read(%L::text, %L::uuid, %L::bigint, %L::text, %L::uuid, %L::integer, %L::bigint, %L::text)::text',
        session_user,
        p_account_id,
        p_request_id,
        p_relation,
        p_statement_token,
        pg_catalog.pg_backend_pid(),
        pg_catalog.txid_current_if_assigned(),
        pg_catalog.substr(pg_catalog.current_query(), 1, 4000)
    ))::boolean;
end
$$;
comment on function audit.record_read(uuid, bigint, text, uuid) is 'Audits a support read of one account in one relation for the current statement, autonomously; returns whether the grant still holds. Owner-only.';

create or replace function audit.record_event(p_action text, p_outcome text, p_account_id uuid, p_request_id bigint, p_detail text)
    returns void
    language plpgsql
    volatile
    set search_path = pg_catalog, pg_temp
as $$
begin
    perform audit.run_autonomously(pg_catalog.format(
        'select audit.append_event(%L::text, %L::text, %L::text, %L::uuid, %L::bigint, %L::text, %L::integer)::text',
        session_user,
        p_action,
        p_outcome,
        p_account_id,
        p_request_id,
        p_detail,
        pg_catalog.pg_backend_pid()
    ));
end
$$;
comment on function audit.record_event(text, text, uuid, bigint, text) is 'Audits one workflow call (request, approval, grant, revocation, refusal) autonomously. Owner-only.';

-- ------------------------------------------------------------------------------------------------
-- Support reads: the functions the tally_support policies call
-- ------------------------------------------------------------------------------------------------

create or replace function privacy.statement_token()
    returns uuid
    language sql
    volatile
    set search_path = pg_catalog, pg_temp
as $$
    select pg_catalog.gen_random_uuid()
$$;
comment on function privacy.statement_token() is 'A random id, evaluated once per table reference per statement execution (an InitPlan of the support policies); keys the one-entry-per-statement audit.';

create or replace function privacy.active_request_id(p_account_id uuid)
    returns bigint
    language sql
    volatile
    set search_path = pg_catalog, pg_temp
as $$
    select r.request_id
    from privacy.access_requests r
    where r.account_id = p_account_id
        and r.requested_by = session_user
        and r.granted_at is not null
        and r.revoked_at is null
        and r.expires_at > privacy.clock()
    order by r.expires_at desc
    limit 1
$$;
comment on function privacy.active_request_id(uuid) is 'The active grant (request id) the calling person holds for an account right now, by the clock, or NULL. Owner-only.';

create or replace function privacy.granted_account_ids()
    returns uuid[]
    language sql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
    select coalesce(pg_catalog.array_agg(distinct r.account_id), '{}'::uuid[])
    from privacy.access_requests r
    where r.requested_by = session_user
        and r.granted_at is not null
        and r.revoked_at is null
        and r.expires_at > privacy.clock()
$$;
comment on function privacy.granted_account_ids() is 'Accounts the calling person holds an active grant for, by the clock at statement start. A cheap pre-filter of the support policies; the per-row check is privacy.audited_support_read.';

create or replace function privacy.granted_profile_ids()
    returns uuid[]
    language sql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
    select coalesce(pg_catalog.array_agg(p.profile_id), '{}'::uuid[])
    from app.profiles p
    where p.account_id = any (privacy.granted_account_ids())
$$;
comment on function privacy.granted_profile_ids() is 'Profiles of the accounts the calling person holds an active grant for. Pre-filter of the support policies on events and ratings.';

-- Row check of the support policies. A row is visible only if the person holds an active grant for
-- its account by the clock now, and the read has been audited for this statement. The audit entry is
-- written once per (statement token, account, relation); the transaction-local cache that remembers
-- this holds only SHA-256 digests of the random token, so a reader who can read or set the setting
-- cannot forge an entry for another statement or another account.
create or replace function privacy.audited_support_read(account_id uuid, relation text, statement_token uuid)
    returns boolean
    language plpgsql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    grant_id bigint;
    cache_key text;
    seen text;
    visible boolean;
begin
    if audited_support_read.account_id is null
        or audited_support_read.statement_token is null
        or audited_support_read.relation is null
        or audited_support_read.relation not in ('app.accounts', 'app.profiles', 'app.playback_events', 'app.ratings')
    then
        return false;
    end if;
    grant_id := privacy.active_request_id(audited_support_read.account_id);
    if grant_id is null then
        return false;
    end if;
    cache_key := pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
        audited_support_read.statement_token::text || '/' || audited_support_read.account_id::text || '/'
            || audited_support_read.relation,
        'UTF8'
    )), 'hex');
    seen := coalesce(pg_catalog.current_setting('tally.audit_seen', true), '');
    if pg_catalog.strpos(seen, cache_key || '=t;') > 0 then
        return true;
    end if;
    if pg_catalog.strpos(seen, cache_key || '=f;') > 0 then
        return false;
    end if;
    visible := audit.record_read(
        audited_support_read.account_id, grant_id, audited_support_read.relation, audited_support_read.statement_token
    );
    if pg_catalog.length(seen) > 100000 then
        seen := '';
    end if;
    perform pg_catalog.set_config(
        'tally.audit_seen', seen || cache_key || case when visible then '=t;' else '=f;' end, true
    );
    return visible;
end
$$;
comment on function privacy.audited_support_read(uuid, text, uuid) is 'Row check of the tally_support policies on accounts and profiles: true only under an active grant of the calling person, after the read has been audited (autonomously) for this statement.';

create or replace function privacy.audited_support_read_profile(profile_id uuid, relation text, statement_token uuid)
    returns boolean
    language plpgsql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    owning_account uuid;
begin
    if audited_support_read_profile.profile_id is null then
        return false;
    end if;
    select p.account_id
        into owning_account
        from app.profiles p
        where p.profile_id = audited_support_read_profile.profile_id;
    if owning_account is null then
        return false;
    end if;
    return privacy.audited_support_read(
        owning_account, audited_support_read_profile.relation, audited_support_read_profile.statement_token
    );
end
$$;
comment on function privacy.audited_support_read_profile(uuid, text, uuid) is 'Row check of the tally_support policies on playback events and ratings: privacy.audited_support_read for the account that owns the profile.';

-- ------------------------------------------------------------------------------------------------
-- The workflow: request, approve, revoke
-- ------------------------------------------------------------------------------------------------

-- Audits a refused workflow call (autonomously, so the entry outlives the error) and raises it.
create or replace function privacy.refuse(
    p_action text,
    p_account_id uuid,
    p_request_id bigint,
    p_message text,
    p_sqlstate text,
    p_hint text default null
)
    returns void
    language plpgsql
    volatile
    set search_path = pg_catalog, pg_temp
as $$
begin
    perform audit.record_event(p_action, 'refused', p_account_id, p_request_id, p_message);
    if p_hint is null then
        raise exception using message = p_message, errcode = p_sqlstate;
    end if;
    raise exception using message = p_message, errcode = p_sqlstate, hint = p_hint;
end
$$;
comment on function privacy.refuse(text, uuid, bigint, text, text, text) is 'Audits a refused workflow call and raises the refusal. Owner-only.';

create or replace function privacy.request_access(
    account_id uuid,
    reason text,
    ticket text,
    justification text,
    valid_for interval default '4 hours'
)
    returns bigint
    language plpgsql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    new_request bigint;
begin
    if not pg_catalog.pg_has_role(session_user, 'tally_support', 'member') then
        perform privacy.refuse('request_access', request_access.account_id, null,
            pg_catalog.format('%s is not a member of tally_support and may not request access', session_user), '42501');
    end if;
    if request_access.reason is null
        or request_access.reason not in ('legal_investigation', 'data_subject_request', 'fraud', 'customer_contact')
    then
        perform privacy.refuse('request_access', request_access.account_id, null,
            pg_catalog.format('reason %s is not a known reason code', coalesce(request_access.reason, 'NULL')), '22023',
            'Use one of legal_investigation, data_subject_request, fraud, customer_contact.');
    end if;
    if coalesce(pg_catalog.btrim(request_access.ticket), '') = '' then
        perform privacy.refuse('request_access', request_access.account_id, null,
            'a ticket reference is required', '22023');
    end if;
    if coalesce(pg_catalog.btrim(request_access.justification), '') = '' then
        perform privacy.refuse('request_access', request_access.account_id, null,
            'a justification is required', '22023');
    end if;
    if request_access.valid_for is null
        or request_access.valid_for <= interval '0'
        or request_access.valid_for > interval '24 hours'
    then
        perform privacy.refuse('request_access', request_access.account_id, null,
            pg_catalog.format('valid_for %s is outside (0, 24 hours]', coalesce(request_access.valid_for::text, 'NULL')),
            '22023', 'A grant lasts at most 24 hours; the default is 4 hours.');
    end if;
    if request_access.account_id is null
        or not exists (select 1 from app.accounts a where a.account_id = request_access.account_id)
    then
        perform privacy.refuse('request_access', request_access.account_id, null,
            'no account has that account_id', 'P0002');
    end if;

    insert into privacy.access_requests (account_id, requested_by, reason, ticket, justification, valid_for)
    values (
        request_access.account_id, session_user, request_access.reason, request_access.ticket,
        request_access.justification, request_access.valid_for
    )
    returning access_requests.request_id into new_request;

    perform audit.record_event('request_access', 'requested', request_access.account_id, new_request,
        pg_catalog.format('reason=%s ticket=%s valid_for=%s', request_access.reason, request_access.ticket,
            request_access.valid_for));
    return new_request;
end
$$;
comment on function privacy.request_access(uuid, text, text, text, interval) is 'A support member asks to read one account: reason code, ticket, justification, and how long the grant lasts once approved (default 4 hours, at most 24). Returns the request id. Needs one approval from tally_approver_cs and one from tally_approver_security.';

create or replace function privacy.approve_access(request_id bigint)
    returns text
    language plpgsql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    req privacy.access_requests%rowtype;
    is_cs boolean;
    is_security boolean;
    given text[];
    approved_before boolean;
    function_given text;
    activated_at timestamptz;
begin
    select r.* into req
        from privacy.access_requests r
        where r.request_id = approve_access.request_id
        for update;
    if not found then
        perform privacy.refuse('approve_access', null, approve_access.request_id,
            pg_catalog.format('there is no access request %s', approve_access.request_id), 'P0002');
    end if;
    if req.revoked_at is not null then
        perform privacy.refuse('approve_access', req.account_id, req.request_id,
            pg_catalog.format('access request %s was revoked', req.request_id), '55000');
    end if;
    if req.granted_at is not null then
        perform privacy.refuse('approve_access', req.account_id, req.request_id,
            pg_catalog.format('access request %s already has both approvals', req.request_id), '55000');
    end if;
    if req.requested_at < pg_catalog.clock_timestamp() - interval '24 hours' then
        perform privacy.refuse('approve_access', req.account_id, req.request_id,
            pg_catalog.format('access request %s is more than 24 hours old', req.request_id), '55000',
            'Ask the requester to make a new request.');
    end if;
    if req.requested_by = session_user then
        perform privacy.refuse('approve_access', req.account_id, req.request_id,
            'nobody may approve their own access request', '42501');
    end if;

    is_cs := pg_catalog.pg_has_role(session_user, 'tally_approver_cs', 'member');
    is_security := pg_catalog.pg_has_role(session_user, 'tally_approver_security', 'member');
    if not (is_cs or is_security) then
        perform privacy.refuse('approve_access', req.account_id, req.request_id,
            pg_catalog.format('%s is not a member of tally_approver_cs or tally_approver_security', session_user),
            '42501');
    end if;

    select coalesce(pg_catalog.array_agg(a.approver_function), '{}'::text[]),
            coalesce(pg_catalog.bool_or(a.approver = session_user), false)
        into given, approved_before
        from privacy.access_approvals a
        where a.request_id = req.request_id;
    if approved_before then
        perform privacy.refuse('approve_access', req.account_id, req.request_id,
            'you have already approved this request; the other approval must come from somebody else', '42501');
    end if;
    function_given := case
        when is_cs and not ('customer_service' = any (given)) then 'customer_service'
        when is_security and not ('security' = any (given)) then 'security'
    end;
    if function_given is null then
        perform privacy.refuse('approve_access', req.account_id, req.request_id,
            pg_catalog.format('access request %s already has its %s approval; the other must come from %s',
                req.request_id, given[1],
                case given[1] when 'customer_service' then 'tally_approver_security' else 'tally_approver_cs' end),
            '42501');
    end if;

    insert into privacy.access_approvals (request_id, approver, approver_function)
    values (req.request_id, session_user, function_given);
    perform audit.record_event('approve_access', 'approved', req.account_id, req.request_id, function_given);

    if pg_catalog.cardinality(given) = 0 then
        return case function_given
            when 'customer_service' then 'awaiting security approval'
            else 'awaiting customer service approval'
        end;
    end if;

    activated_at := pg_catalog.clock_timestamp();
    update privacy.access_requests r
        set granted_at = activated_at,
            expires_at = activated_at + r.valid_for
        where r.request_id = req.request_id;
    perform audit.record_event('approve_access', 'granted', req.account_id, req.request_id,
        pg_catalog.format('expires_at=%s', activated_at + req.valid_for));
    return 'active';
end
$$;
comment on function privacy.approve_access(bigint) is 'An approver gives the approval of their function (customer service or security) to a request. Refused for the requester, for a second approval by the same person or the same function, and for revoked, active or stale requests. The second approval activates the grant for valid_for. Returns the request''s state.';

create or replace function privacy.revoke_access(request_id bigint, why text)
    returns void
    language plpgsql
    volatile
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    req privacy.access_requests%rowtype;
begin
    select r.* into req
        from privacy.access_requests r
        where r.request_id = revoke_access.request_id
        for update;
    if not found then
        perform privacy.refuse('revoke_access', null, revoke_access.request_id,
            pg_catalog.format('there is no access request %s', revoke_access.request_id), 'P0002');
    end if;
    if not (
        req.requested_by = session_user
        or pg_catalog.pg_has_role(session_user, 'tally_approver_cs', 'member')
        or pg_catalog.pg_has_role(session_user, 'tally_approver_security', 'member')
    ) then
        perform privacy.refuse('revoke_access', req.account_id, req.request_id,
            'only the requester or an approver may revoke an access request', '42501');
    end if;
    if coalesce(pg_catalog.btrim(revoke_access.why), '') = '' then
        perform privacy.refuse('revoke_access', req.account_id, req.request_id,
            'say why the access is revoked', '22023');
    end if;
    if req.revoked_at is not null then
        perform privacy.refuse('revoke_access', req.account_id, req.request_id,
            pg_catalog.format('access request %s is already revoked', req.request_id), '55000');
    end if;

    update privacy.access_requests r
        set revoked_at = pg_catalog.clock_timestamp(),
            revoked_by = session_user,
            revoke_reason = revoke_access.why
        where r.request_id = req.request_id;
    perform audit.record_event('revoke_access', 'revoked', req.account_id, req.request_id, revoke_access.why);
end
$$;
comment on function privacy.revoke_access(bigint, text) is 'The requester or an approver ends a request or an active grant at once, saying why.';

-- ------------------------------------------------------------------------------------------------
-- Ownership and EXECUTE: owner-only unless granted here
-- ------------------------------------------------------------------------------------------------

do $$
declare
    f regprocedure;
begin
    for f in
        select p.oid::regprocedure
        from pg_catalog.pg_proc p
        join pg_catalog.pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('app', 'privacy', 'audit', 'etl')
            and p.proowner <> 'tally_owner'::regrole
    loop
        execute pg_catalog.format('alter function %s owner to tally_owner', f);
    end loop;
end
$$;

revoke all on all functions in schema app, privacy, audit, etl from public;

grant execute on function app.bound_account_id() to tally_app;
grant execute on function
    privacy.statement_token(),
    privacy.granted_account_ids(),
    privacy.granted_profile_ids(),
    privacy.audited_support_read(uuid, text, uuid),
    privacy.audited_support_read_profile(uuid, text, uuid)
    to tally_support;
grant execute on function privacy.request_access(uuid, text, text, text, interval) to tally_support;
grant execute on function privacy.approve_access(bigint) to tally_approver_cs, tally_approver_security;
grant execute on function privacy.revoke_access(bigint, text)
    to tally_support, tally_approver_cs, tally_approver_security;
grant execute on function
    audit.append_read(text, uuid, bigint, text, uuid, integer, bigint, text),
    audit.append_event(text, text, text, uuid, bigint, text, integer)
    to tally_audit_writer;

-- The writer must be able to connect even where CONNECT has been revoked from PUBLIC; otherwise
-- every support read would fail closed.
do $$
begin
    execute pg_catalog.format('grant connect on database %I to tally_audit_writer', pg_catalog.current_database());
end
$$;
