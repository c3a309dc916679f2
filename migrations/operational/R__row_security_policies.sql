-- Row-level security policies: which rows each group role sees and may write. Grain: one policy per
-- table and role. Re-applied whenever this file changes (drop if exists, then create), inside one
-- transaction, so no query ever runs against a half-built set.
--
--     tally_owner        every row (RLS is forced, so the owner's SECURITY DEFINER functions and views
--                        pass through a policy too; no login is a member of tally_owner)
--     tally_app          rows of the account bound by set local tally.account_id; nothing when unbound
--     tally_support      SELECT only, rows of accounts it holds an active grant for, each read audited
--     tally_etl_reader   every row, of the columns it was granted (none of them PII)
--     approvers, auditor the workflow tables; the auditor alone reads audit.access_log
-- A role with no policy on a table sees no row of it.

-- app.accounts ------------------------------------------------------------------------------------

drop policy if exists owner_all on app.accounts;
create policy owner_all on app.accounts
    for all to tally_owner
    using (true)
    with check (true);

drop policy if exists app_bound_account on app.accounts;
create policy app_bound_account on app.accounts
    for all to tally_app
    using (account_id = (select app.bound_account_id()))
    with check (account_id = (select app.bound_account_id()));

drop policy if exists support_granted_account on app.accounts;
create policy support_granted_account on app.accounts
    for select to tally_support
    using (
        account_id = any ((select privacy.granted_account_ids())::uuid[])
        and privacy.audited_support_read(account_id, 'app.accounts', (select privacy.statement_token()))
    );

drop policy if exists etl_all_rows on app.accounts;
create policy etl_all_rows on app.accounts
    for select to tally_etl_reader
    using (true);

-- app.profiles ------------------------------------------------------------------------------------

drop policy if exists owner_all on app.profiles;
create policy owner_all on app.profiles
    for all to tally_owner
    using (true)
    with check (true);

drop policy if exists app_bound_account on app.profiles;
create policy app_bound_account on app.profiles
    for all to tally_app
    using (account_id = (select app.bound_account_id()))
    with check (account_id = (select app.bound_account_id()));

drop policy if exists support_granted_account on app.profiles;
create policy support_granted_account on app.profiles
    for select to tally_support
    using (
        account_id = any ((select privacy.granted_account_ids())::uuid[])
        and privacy.audited_support_read(account_id, 'app.profiles', (select privacy.statement_token()))
    );

drop policy if exists etl_all_rows on app.profiles;
create policy etl_all_rows on app.profiles
    for select to tally_etl_reader
    using (true);

-- app.playback_events -----------------------------------------------------------------------------

drop policy if exists owner_all on app.playback_events;
create policy owner_all on app.playback_events
    for all to tally_owner
    using (true)
    with check (true);

drop policy if exists app_bound_account on app.playback_events;
create policy app_bound_account on app.playback_events
    for all to tally_app
    using (
        exists (
            select 1
            from app.profiles p
            where p.profile_id = playback_events.profile_id
                and p.account_id = (select app.bound_account_id())
        )
    )
    with check (
        exists (
            select 1
            from app.profiles p
            where p.profile_id = playback_events.profile_id
                and p.account_id = (select app.bound_account_id())
        )
    );

drop policy if exists support_granted_account on app.playback_events;
create policy support_granted_account on app.playback_events
    for select to tally_support
    using (
        profile_id = any ((select privacy.granted_profile_ids())::uuid[])
        and privacy.audited_support_read_profile(
            profile_id, 'app.playback_events', (select privacy.statement_token())
        )
    );

drop policy if exists etl_all_rows on app.playback_events;
create policy etl_all_rows on app.playback_events
    for select to tally_etl_reader
    using (true);

-- app.ratings -------------------------------------------------------------------------------------

drop policy if exists owner_all on app.ratings;
create policy owner_all on app.ratings
    for all to tally_owner
    using (true)
    with check (true);

drop policy if exists app_bound_account on app.ratings;
create policy app_bound_account on app.ratings
    for all to tally_app
    using (
        exists (
            select 1
            from app.profiles p
            where p.profile_id = ratings.profile_id
                and p.account_id = (select app.bound_account_id())
        )
    )
    with check (
        exists (
            select 1
            from app.profiles p
            where p.profile_id = ratings.profile_id
                and p.account_id = (select app.bound_account_id())
        )
    );

drop policy if exists support_granted_account on app.ratings;
create policy support_granted_account on app.ratings
    for select to tally_support
    using (
        profile_id = any ((select privacy.granted_profile_ids())::uuid[])
        and privacy.audited_support_read_profile(profile_id, 'app.ratings', (select privacy.statement_token()))
    );

drop policy if exists etl_all_rows on app.ratings;
create policy etl_all_rows on app.ratings
    for select to tally_etl_reader
    using (true);

-- privacy.access_requests and privacy.access_approvals --------------------------------------------

drop policy if exists owner_all on privacy.access_requests;
create policy owner_all on privacy.access_requests
    for all to tally_owner
    using (true)
    with check (true);

drop policy if exists approvers_and_auditors_read on privacy.access_requests;
create policy approvers_and_auditors_read on privacy.access_requests
    for select to tally_approver_cs, tally_approver_security, tally_auditor
    using (true);

drop policy if exists support_own_requests on privacy.access_requests;
create policy support_own_requests on privacy.access_requests
    for select to tally_support
    using (requested_by = session_user);

drop policy if exists owner_all on privacy.access_approvals;
create policy owner_all on privacy.access_approvals
    for all to tally_owner
    using (true)
    with check (true);

drop policy if exists approvers_and_auditors_read on privacy.access_approvals;
create policy approvers_and_auditors_read on privacy.access_approvals
    for select to tally_approver_cs, tally_approver_security, tally_auditor
    using (true);

drop policy if exists support_own_requests on privacy.access_approvals;
create policy support_own_requests on privacy.access_approvals
    for select to tally_support
    using (
        exists (
            select 1
            from privacy.access_requests r
            where r.request_id = access_approvals.request_id
                and r.requested_by = session_user
        )
    );

-- audit.access_log --------------------------------------------------------------------------------

drop policy if exists owner_all on audit.access_log;
create policy owner_all on audit.access_log
    for all to tally_owner
    using (true)
    with check (true);

drop policy if exists auditor_read on audit.access_log;
create policy auditor_read on audit.access_log
    for select to tally_auditor
    using (true);
