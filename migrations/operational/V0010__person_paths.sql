-- Every path that touches a person (issue 18).
-- 1. No login may create objects in schema public: on PostgreSQL 14 and older, or a cluster
--    upgraded from one, PUBLIC may, and a planted operator or function there would run inside
--    views and functions that resolve names through the caller's search_path.
-- 2. Erasure reaches the warehouse on every path: an append-only log, written by triggers, of each
--    profile deleted, account deleted and account marked deleted. etl.erasures (R__etl_views.sql)
--    reads it, so a hard DELETE is purged by the next load like a deleted_at.
-- 3. Approval history outlives the account: the workflow tables no longer cascade an account's
--    purge into who requested and approved what.
-- Grain: one row per erasure event (etl.erasure_log).

revoke create on schema public from public;

create table etl.erasure_log (
    erasure_id bigint generated always as identity primary key,
    at timestamptz not null default pg_catalog.clock_timestamp(),
    cause text not null check (cause in ('profile_deleted', 'account_deleted', 'account_marked_deleted')),
    account_id uuid not null,
    profile_id uuid
);
alter table etl.erasure_log owner to tally_owner;
create index erasure_log_at_idx on etl.erasure_log (at);

comment on table etl.erasure_log is 'Append-only: one row per erasure event, written by triggers on app.profiles and app.accounts, so that no DELETE escapes the warehouse''s purge. The loader reads it through etl.erasures. Rows are never updated or deleted (a trigger refuses it, the owner included).';
comment on column etl.erasure_log.erasure_id is 'Entry identifier. Privacy class: none.';
comment on column etl.erasure_log.at is 'When the erasure happened (clock time of the deleting transaction). Privacy class: quasi.';
comment on column etl.erasure_log.cause is 'profile_deleted (DELETE FROM app.profiles), account_deleted (DELETE FROM app.accounts) or account_marked_deleted (deleted_at set). Privacy class: none.';
comment on column etl.erasure_log.account_id is 'The account erased, or whose profile was. Privacy class: quasi.';
comment on column etl.erasure_log.profile_id is 'The profile erased; NULL for an account-level entry. Privacy class: quasi.';

create function etl.log_erasure() returns trigger
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_table_name = 'profiles' then
        insert into etl.erasure_log (cause, account_id, profile_id) values ('profile_deleted', old.account_id, old.profile_id);
    elsif tg_op = 'DELETE' then
        insert into etl.erasure_log (cause, account_id) values ('account_deleted', old.account_id);
    else
        insert into etl.erasure_log (cause, account_id) values ('account_marked_deleted', new.account_id);
        insert into etl.erasure_log (cause, account_id, profile_id)
        select 'account_marked_deleted', new.account_id, p.profile_id from app.profiles p where p.account_id = new.account_id;
    end if;
    return null;
end
$$;
alter function etl.log_erasure() owner to tally_owner;
revoke all on function etl.log_erasure() from public;
comment on function etl.log_erasure() is 'Trigger: appends an erasure event to etl.erasure_log (a deleted profile, a deleted account, an account marked deleted with each of its profiles).';

create trigger profiles_log_erasure after delete on app.profiles
    for each row execute function etl.log_erasure();
create trigger accounts_log_erasure after delete on app.accounts
    for each row execute function etl.log_erasure();
create trigger accounts_log_marked_deleted after update of deleted_at on app.accounts
    for each row when (old.deleted_at is null and new.deleted_at is not null) execute function etl.log_erasure();

create function etl.refuse_change() returns trigger
    language plpgsql
    set search_path = pg_catalog, pg_temp
as $$
begin
    raise exception '% is append-only: % refused', tg_table_schema || '.' || tg_table_name, tg_op
        using errcode = 'insufficient_privilege',
              hint = 'Erasure events are never changed or removed; they are how the warehouse learns of an erasure.';
end
$$;
alter function etl.refuse_change() owner to tally_owner;
revoke all on function etl.refuse_change() from public;
comment on function etl.refuse_change() is 'Trigger: refuses UPDATE, DELETE and TRUNCATE of an append-only table, to the owner too.';

create trigger erasure_log_append_only before update or delete on etl.erasure_log
    for each row execute function etl.refuse_change();
create trigger erasure_log_no_truncate before truncate on etl.erasure_log
    for each statement execute function etl.refuse_change();

-- It names profiles: row-level security, as on every table of personal data. The owner writes
-- (through the trigger function); the loader reads all rows.
alter table etl.erasure_log enable row level security;
alter table etl.erasure_log force row level security;
create policy owner_all on etl.erasure_log for all to tally_owner using (true) with check (true);
create policy etl_all_rows on etl.erasure_log for select to tally_etl_reader using (true);
grant select on etl.erasure_log to tally_etl_reader;

-- Approval history outlives the account it was about.
alter table privacy.access_requests drop constraint access_requests_account_id_fkey;
comment on column privacy.access_requests.account_id is 'The one account the request is for. Privacy class: quasi. No foreign key: the request and its approvals stay when the account is purged, as the record of who read what.';

insert into privacy.column_classification (table_schema, table_name, column_name, class)
values
    ('etl', 'erasure_log', 'erasure_id', 'none'),
    ('etl', 'erasure_log', 'at', 'quasi'),
    ('etl', 'erasure_log', 'cause', 'none'),
    ('etl', 'erasure_log', 'account_id', 'quasi'),
    ('etl', 'erasure_log', 'profile_id', 'quasi');
