-- A history load (the first load, or tally load --backfill) commits each span of months it reads,
-- so that a killed one resumes where it stopped instead of starting over (issue 16). Its progress
-- is one row; the watermark moves only when the whole history is read. Runs that committed spans
-- and were killed stay visible in the ledger as 'interrupted'.
-- Grain: one row while a history load is unfinished, none otherwise.

create table etl.history_progress (
    singleton boolean primary key default true check (singleton),
    run_id bigint not null references etl.runs (run_id),
    snapshot text not null,
    source_time timestamptz not null,
    read_from date,
    touch_to date,
    read_to date,
    next_day date not null,
    facts_from date,
    updated_at timestamptz not null
);
alter table etl.history_progress owner to tally_owner;
comment on table etl.history_progress is 'An unfinished history load (first load or backfill): written with each committed span, removed with the watermark''s move. The next tally load resumes it.';
comment on column etl.history_progress.run_id is 'The run that last committed a span.';
comment on column etl.history_progress.snapshot is 'The source snapshot the history is read in (pg_current_snapshot text); a resumed run reads only rows visible in it, and makes it the watermark.';
comment on column etl.history_progress.source_time is 'The source clock when that snapshot was taken: the retention cutoff and the future-event check use it.';
comment on column etl.history_progress.read_from is 'First day read; NULL on a first load (from the source''s first).';
comment on column etl.history_progress.touch_to is 'Last day whose facts the backfill recomputes; NULL on a first load.';
comment on column etl.history_progress.read_to is 'Last day read; NULL on a first load.';
comment on column etl.history_progress.next_day is 'First day not read yet: the resumed run starts here.';
comment on column etl.history_progress.facts_from is 'First day whose facts the history computes.';
comment on column etl.history_progress.updated_at is 'When the last span committed.';

alter table etl.runs drop constraint runs_status_check,
    add constraint runs_status_check check (status in ('running', 'succeeded', 'failed', 'interrupted'));
comment on column etl.runs.status is 'running (a history load between spans), succeeded, failed, or interrupted (it committed spans of a history load and was killed; a later run resumed it). A dry run commits nothing and leaves no row.';

grant select, insert, update, delete on etl.history_progress to tally_loader;
-- A backfill deletes the rejects of the rows it reads again (they are rejected anew if they still fail).
grant delete on etl.rejects to tally_loader;
