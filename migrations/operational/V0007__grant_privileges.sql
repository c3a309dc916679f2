-- Row-level security switches and table privileges: the role x table x command matrix of
-- docs/security.md. Grain: one GRANT per role and table. Policies (which rows) live in
-- R__row_security_policies.sql; until they exist, RLS shows every non-owner nothing.
-- Views and functions are granted where they are defined (R__*.sql).

-- Every table holding personal data (a pii or quasi column in privacy.column_classification) has
-- RLS enabled and forced, so even tally_owner (SECURITY DEFINER code, views) passes a policy.
alter table app.accounts enable row level security;
alter table app.accounts force row level security;
alter table app.profiles enable row level security;
alter table app.profiles force row level security;
alter table app.playback_events enable row level security;
alter table app.playback_events force row level security;
alter table app.ratings enable row level security;
alter table app.ratings force row level security;
alter table privacy.access_requests enable row level security;
alter table privacy.access_requests force row level security;
alter table privacy.access_approvals enable row level security;
alter table privacy.access_approvals force row level security;
alter table audit.access_log enable row level security;
alter table audit.access_log force row level security;

grant usage on schema app to tally_app, tally_support, tally_etl_reader;
grant usage on schema privacy
    to tally_app, tally_support, tally_approver_cs, tally_approver_security, tally_auditor, tally_etl_reader;
grant usage on schema audit to tally_auditor, tally_audit_writer;
grant usage on schema etl to tally_etl_reader;

-- The backend: its own account's rows (RLS). Accounts are erased by setting deleted_at, never by
-- DELETE; events and ratings are immutable facts, so it only inserts them.
grant select, insert, update on app.accounts to tally_app;
grant select, insert, update, delete on app.profiles to tally_app;
grant select, insert, update on app.titles to tally_app;
grant select, insert on app.playback_events to tally_app;
grant select, insert on app.ratings to tally_app;

-- Support: plain SELECT, but RLS shows only accounts it holds an active grant for.
grant select on app.accounts, app.profiles, app.playback_events, app.ratings to tally_support;
grant select on app.titles to tally_support;

-- The loader: no PII column, ever. Column grants, so a column added later is not readable until
-- someone grants it on purpose.
grant select (account_id, plan, country_code) on app.accounts to tally_etl_reader;
grant select (profile_id, account_id, is_kids) on app.profiles to tally_etl_reader;
grant select on app.titles to tally_etl_reader;
grant select (
    event_id, profile_id, title_id, started_at, watched_seconds, completed, device_type, country_code,
    ingested_at
) on app.playback_events to tally_etl_reader;
grant select (rating_id, profile_id, title_id, thumb, rated_at, ingested_at) on app.ratings to tally_etl_reader;

-- The workflow tables are read-only for people; RLS narrows support to its own requests.
grant select on privacy.access_requests, privacy.access_approvals
    to tally_support, tally_approver_cs, tally_approver_security, tally_auditor;

grant select on privacy.column_classification
    to tally_app, tally_support, tally_approver_cs, tally_approver_security, tally_auditor, tally_etl_reader;

-- The audit trail: the auditor reads; nobody but the owner writes (the writer role goes through
-- audit.append_read / audit.append_event, which run as the owner).
grant select on audit.access_log to tally_auditor;
