-- A tamper-evident audit trail (issue 18). Each audit.access_log row carries a hash chain: its
-- hash covers the previous row's hash and its own fields, in the order rows were appended
-- (chain_seq). A trigger refuses UPDATE, DELETE and TRUNCATE to everyone, the owner included, except
-- audit.purge_before, the documented retention function, which records what it removed and where
-- the chain now starts (audit.retention_log). audit.verify_chain() recomputes the chain and names
-- the first broken row; `tally audit verify` runs it. A superuser can still disable the trigger
-- and rewrite a row, but not without breaking the chain from that row on.
-- Grain: two columns and a sequence number per audit row; one row per purge (retention_log).

alter table audit.access_log
    add column chain_seq bigint,
    add column prev_hash bytea,
    add column hash bytea;
comment on column audit.access_log.chain_seq is 'Position in the hash chain: 1 + the previous row''s, assigned under a lock at insert. Privacy class: none.';
comment on column audit.access_log.prev_hash is 'hash of the row before in the chain (chain_seq - 1); NULL for the first row ever. Privacy class: none.';
comment on column audit.access_log.hash is 'SHA-256 over prev_hash and this row''s fields (audit.row_hash). Privacy class: none.';

-- The hash of one row: SHA-256 of the previous hash and the row's fields as a JSON array, with the
-- time as microseconds since 1970 so that no session setting changes the text.
create function audit.row_hash(prev bytea, r audit.access_log) returns bytea
    language sql
    immutable
    set search_path = pg_catalog, pg_temp
as $$
    select pg_catalog.sha256(
        coalesce(prev, '\x'::bytea)
        || pg_catalog.convert_to(pg_catalog.jsonb_build_array(
            r.chain_seq, r.entry_id, (extract(epoch from r.at) * 1000000)::bigint, r.actor, r.action, r.outcome,
            r.account_id, r.request_id, r.relation, r.detail, r.statement, r.statement_token, r.backend_pid, r.transaction_id
        )::text, 'UTF8'))
$$;
alter function audit.row_hash(bytea, audit.access_log) owner to tally_owner;
revoke all on function audit.row_hash(bytea, audit.access_log) from public;
grant execute on function audit.row_hash(bytea, audit.access_log) to tally_auditor;
comment on function audit.row_hash(bytea, audit.access_log) is 'SHA-256 of the previous row''s hash and a row''s fields: the link of the audit hash chain.';

create table audit.retention_log (
    purge_id bigint generated always as identity primary key,
    at timestamptz not null default pg_catalog.clock_timestamp(),
    purged_by text not null,
    cutoff timestamptz not null,
    rows_removed bigint not null,
    first_seq_removed bigint,
    last_seq_removed bigint,
    last_hash_removed bytea
);
alter table audit.retention_log owner to tally_owner;
comment on table audit.retention_log is 'One row per run of audit.purge_before: what the retention function removed from audit.access_log, and the hash of the last removed row, which the remaining chain starts from. Append-only like the log itself.';
comment on column audit.retention_log.purge_id is 'Purge identifier. Privacy class: none.';
comment on column audit.retention_log.at is 'When the purge ran. Privacy class: none.';
comment on column audit.retention_log.purged_by is 'session_user who ran it. Privacy class: quasi.';
comment on column audit.retention_log.cutoff is 'Entries older than this were removed. Privacy class: none.';
comment on column audit.retention_log.rows_removed is 'How many entries were removed. Privacy class: none.';
comment on column audit.retention_log.first_seq_removed is 'chain_seq of the first removed entry. Privacy class: none.';
comment on column audit.retention_log.last_seq_removed is 'chain_seq of the last removed entry; the chain now starts at the next. Privacy class: none.';
comment on column audit.retention_log.last_hash_removed is 'hash of the last removed entry: the prev_hash the first remaining entry must carry. Privacy class: none.';
alter table audit.retention_log enable row level security;
alter table audit.retention_log force row level security;
create policy owner_all on audit.retention_log for all to tally_owner using (true) with check (true);
create policy auditor_reads on audit.retention_log for select to tally_auditor using (true);
grant select on audit.retention_log to tally_auditor;

-- Chain the rows already there, in entry order.
do $$
declare
    r audit.access_log;
    prev bytea;
    seq bigint := 0;
begin
    for r in select * from audit.access_log order by entry_id loop
        seq := seq + 1;
        r.chain_seq := seq;
        update audit.access_log set chain_seq = seq, prev_hash = prev, hash = audit.row_hash(prev, r) where entry_id = r.entry_id;
        prev := audit.row_hash(prev, r);
    end loop;
end
$$;
alter table audit.access_log alter column chain_seq set not null, alter column hash set not null;
create unique index access_log_chain_seq on audit.access_log (chain_seq);

create function audit.chain_append() returns trigger
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    last audit.access_log;
    start audit.retention_log;
begin
    -- One appender at a time, until commit: the next row chains onto a committed one.
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('tally audit.access_log chain'));
    select * into last from audit.access_log order by chain_seq desc limit 1;
    if found then
        new.chain_seq := last.chain_seq + 1;
        new.prev_hash := last.hash;
    else
        select * into start from audit.retention_log order by purge_id desc limit 1;
        new.chain_seq := coalesce(start.last_seq_removed, 0) + 1;
        new.prev_hash := start.last_hash_removed;
    end if;
    new.hash := audit.row_hash(new.prev_hash, new);
    return new;
end
$$;
alter function audit.chain_append() owner to tally_owner;
revoke all on function audit.chain_append() from public;
comment on function audit.chain_append() is 'Trigger: gives each new audit.access_log row its chain_seq, prev_hash and hash.';
create trigger access_log_chain before insert on audit.access_log
    for each row execute function audit.chain_append();

create function audit.refuse_change() returns trigger
    language plpgsql
    set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'DELETE' and current_user = 'tally_owner' and pg_catalog.current_setting('tally.audit_retention', true) = 'on' then
        return old;
    end if;
    raise exception '% is append-only: % refused', tg_table_schema || '.' || tg_table_name, tg_op
        using errcode = 'insufficient_privilege',
              hint = 'Audit entries are never changed. Old entries are removed only by audit.purge_before(cutoff), which records the removal.';
end
$$;
alter function audit.refuse_change() owner to tally_owner;
revoke all on function audit.refuse_change() from public;
comment on function audit.refuse_change() is 'Trigger: refuses UPDATE, DELETE and TRUNCATE of the audit tables to everyone, the owner included; only audit.purge_before may delete old entries.';
create trigger access_log_append_only before update or delete on audit.access_log
    for each row execute function audit.refuse_change();
create trigger access_log_no_truncate before truncate on audit.access_log
    for each statement execute function audit.refuse_change();
create trigger retention_log_append_only before update or delete on audit.retention_log
    for each row execute function audit.refuse_change();
create trigger retention_log_no_truncate before truncate on audit.retention_log
    for each statement execute function audit.refuse_change();

-- The retention function: removes the entries older than cutoff from the start of the chain (the
-- chain's prefix up to the last such entry) and records it.
create function audit.purge_before(cutoff timestamptz) returns bigint
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
as $$
declare
    upto audit.access_log;
    first_seq bigint;
    removed bigint;
begin
    perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('tally audit.access_log chain'));
    select * into upto from audit.access_log where at < cutoff order by chain_seq desc limit 1;
    if not found then
        return 0;
    end if;
    select min(chain_seq) into first_seq from audit.access_log;
    perform pg_catalog.set_config('tally.audit_retention', 'on', true);
    delete from audit.access_log where chain_seq <= upto.chain_seq;
    get diagnostics removed = row_count;
    perform pg_catalog.set_config('tally.audit_retention', 'off', true);
    insert into audit.retention_log (purged_by, cutoff, rows_removed, first_seq_removed, last_seq_removed, last_hash_removed)
    values (session_user, cutoff, removed, first_seq, upto.chain_seq, upto.hash);
    return removed;
end
$$;
alter function audit.purge_before(timestamptz) owner to tally_owner;
revoke all on function audit.purge_before(timestamptz) from public;
comment on function audit.purge_before(timestamptz) is 'Retention: removes the audit entries before cutoff (the chain''s prefix up to the last of them), records the removal and the chain''s new start in audit.retention_log, and returns how many it removed. Run by a superuser; nobody else may execute it.';

-- Recomputes the chain and returns its first broken row, if any: a row whose prev_hash is not the
-- hash of the row before it (a row removed or reordered), or whose hash does not cover its fields
-- (a row changed).
create function audit.verify_chain() returns table (entries bigint, broken_entry_id bigint, broken_chain_seq bigint, problem text)
    language sql
    stable
    set search_path = pg_catalog, pg_temp
as $$
    with chain as (
        select l.entry_id, l.chain_seq, l.prev_hash, l.hash, l as r,
               lag(l.hash) over (order by l.chain_seq) as previous_hash,
               lag(l.chain_seq) over (order by l.chain_seq) as previous_seq,
               row_number() over (order by l.chain_seq) as n
        from audit.access_log l
    ), start as (
        select last_seq_removed, last_hash_removed from audit.retention_log order by purge_id desc limit 1
    ), judged as (
        select c.entry_id, c.chain_seq,
               case
                   when c.n = 1 and c.chain_seq <> coalesce((select last_seq_removed from start), 0) + 1
                       then 'the chain does not start where the last purge left it'
                   when c.n = 1 and c.prev_hash is distinct from (select last_hash_removed from start)
                       then 'prev_hash is not the hash the last purge recorded'
                   when c.n > 1 and c.chain_seq <> c.previous_seq + 1 then 'an entry before it is missing'
                   when c.n > 1 and c.prev_hash is distinct from c.previous_hash then 'prev_hash is not the hash of the entry before it'
                   when c.hash is distinct from audit.row_hash(c.prev_hash, c.r)
                       then 'its fields do not match its hash (the entry was changed)'
               end as problem
        from chain c
    )
    select (select count(*) from audit.access_log), j.entry_id, j.chain_seq, j.problem
    from (select 1) one
    left join lateral (select * from judged where problem is not null order by chain_seq limit 1) j on true
$$;
alter function audit.verify_chain() owner to tally_owner;
revoke all on function audit.verify_chain() from public;
grant execute on function audit.verify_chain() to tally_auditor;
comment on function audit.verify_chain() is 'Recomputes the audit hash chain: the number of entries, and the first broken entry (id, chain_seq, what is wrong), or NULLs when the chain is intact. Readable by tally_auditor (tally audit verify).';

insert into privacy.column_classification (table_schema, table_name, column_name, class)
values
    ('audit', 'access_log', 'chain_seq', 'none'),
    ('audit', 'access_log', 'prev_hash', 'none'),
    ('audit', 'access_log', 'hash', 'none'),
    ('audit', 'retention_log', 'purge_id', 'none'),
    ('audit', 'retention_log', 'at', 'none'),
    ('audit', 'retention_log', 'purged_by', 'quasi'),
    ('audit', 'retention_log', 'cutoff', 'none'),
    ('audit', 'retention_log', 'rows_removed', 'none'),
    ('audit', 'retention_log', 'first_seq_removed', 'none'),
    ('audit', 'retention_log', 'last_seq_removed', 'none'),
    ('audit', 'retention_log', 'last_hash_removed', 'none');
