-- The audit trail: every support read of an account, and every access request, approval and
-- revocation, including refused attempts. Grain: one row per (statement, account, relation) a
-- support member read, or one row per workflow call.
--
-- Rows are written by audit.append_read and audit.append_event, which run in a separate session
-- opened through dblink as tally_audit_writer, so an entry commits on its own and survives the
-- reader's ROLLBACK (docs/security.md). Only tally_auditor may read it; only the owner may change it.

create table audit.access_log (
    entry_id bigint generated always as identity primary key,
    at timestamptz not null default clock_timestamp(),
    actor text not null,
    action text not null
        check (action in ('select', 'request_access', 'approve_access', 'revoke_access')),
    outcome text not null
        check (outcome in ('read', 'denied', 'requested', 'approved', 'granted', 'revoked', 'refused')),
    account_id uuid,
    request_id bigint,
    relation text,
    detail text,
    statement text,
    statement_token uuid,
    backend_pid integer,
    transaction_id bigint
);
alter table audit.access_log owner to tally_owner;
create unique index access_log_one_read_per_statement
    on audit.access_log (statement_token, account_id, relation)
    where action = 'select';
create index access_log_account_idx on audit.access_log (account_id, at);
create index access_log_actor_idx on audit.access_log (actor, at);

comment on table audit.access_log is 'Append-only audit trail: one row per statement in which a support member read rows of an account (per relation), and one per access request, approval or revocation, refused ones included. Written autonomously through dblink so entries survive the reader''s ROLLBACK. Readable by tally_auditor only; UPDATE, DELETE and TRUNCATE by the owner only. RLS enabled and forced.';
comment on column audit.access_log.entry_id is 'Entry identifier, in commit-independent allocation order. Privacy class: none.';
comment on column audit.access_log.at is 'Clock time the entry was written (clock_timestamp() of the writer). Privacy class: none.';
comment on column audit.access_log.actor is 'Login (session_user) of the person who read or called the workflow. Privacy class: quasi.';
comment on column audit.access_log.action is 'select (a read of an app table), request_access, approve_access or revoke_access. Privacy class: none.';
comment on column audit.access_log.outcome is 'read: rows were visible; denied: the grant had been revoked or had expired when re-checked; requested, approved, granted (second approval), revoked; refused: the workflow refused the call. Privacy class: none.';
comment on column audit.access_log.account_id is 'The account read or requested. Privacy class: quasi.';
comment on column audit.access_log.request_id is 'The access request (grant) concerned. Privacy class: none.';
comment on column audit.access_log.relation is 'For reads: the table read, such as app.accounts. Privacy class: none.';
comment on column audit.access_log.detail is 'Workflow detail: reason code and ticket, refusal message, or revocation reason. Privacy class: pii (may hold free text).';
comment on column audit.access_log.statement is 'For reads: the text of the client statement (first 4000 characters). Privacy class: pii (may hold search values such as an e-mail).';
comment on column audit.access_log.statement_token is 'For reads: random id of one execution of one table reference in a statement; de-duplicates entries. Privacy class: none.';
comment on column audit.access_log.backend_pid is 'Server process id of the reader''s or caller''s session. Privacy class: none.';
comment on column audit.access_log.transaction_id is 'The reader''s transaction id if it had one assigned (txid_current_if_assigned()), else NULL. Privacy class: none.';

-- Where the audit writer connects: this server's own unix socket. Reading unix_socket_directories
-- needs superuser rights at run time, so the migrating superuser records it here; the port is read
-- live (current_setting('port')) unless set. Change the row if the socket folder moves.
create table audit.writer_settings (
    singleton boolean primary key default true check (singleton),
    host text not null,
    port integer
);
alter table audit.writer_settings owner to tally_owner;

insert into audit.writer_settings (host)
values (
    coalesce(
        nullif(btrim(split_part(current_setting('unix_socket_directories'), ',', 1)), ''),
        'localhost'
    )
);

comment on table audit.writer_settings is 'One row: where audit functions connect (through dblink, as tally_audit_writer) to write an entry autonomously. Owner-only. Not personal data.';
comment on column audit.writer_settings.singleton is 'Always true; keeps the table to one row. Privacy class: none.';
comment on column audit.writer_settings.host is 'libpq host for the audit writer: this server''s unix-socket folder, recorded at migration time. Privacy class: none.';
comment on column audit.writer_settings.port is 'libpq port for the audit writer; NULL means this server''s own port. Privacy class: none.';
