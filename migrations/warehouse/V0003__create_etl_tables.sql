-- The load's own tables: settings, ledger of runs, watermark (source snapshot) and rejects.
-- Grain: settings one row; runs one row per load attempt; watermark one row; rejects one row per
-- rejected source row per run.

create table etl.settings (
    singleton boolean primary key default true check (singleton),
    business_time_zone text not null default 'UTC',
    streak_max_days integer not null default 30 check (streak_max_days between 2 and 366),
    retention_days integer not null default 70,
    late_tolerance interval not null default interval '1 hour',
    service_start date not null default date '2007-01-01',
    max_watch_seconds integer not null default 86400,
    check (retention_days >= streak_max_days + 31)
);
alter table etl.settings owner to tally_owner;
insert into etl.settings default values;
comment on table etl.settings is 'Load settings, one row. Changed by a DBA; read by tally load at the start of each run.';
comment on column etl.settings.singleton is 'Always true: the table holds exactly one row.';
comment on column etl.settings.business_time_zone is 'Time zone that decides which day an event belongs to (default UTC).';
comment on column etl.settings.streak_max_days is 'Longest streak fact_title_streak counts (default 30).';
comment on column etl.settings.retention_days is 'Days of private state kept; also how late an event may arrive and still be counted exactly. Must cover the longest period (31) plus the longest streak.';
comment on column etl.settings.late_tolerance is 'How far past the source snapshot time an event time may lie before it is rejected as future.';
comment on column etl.settings.service_start is 'Event times before this date are rejected (before the service existed).';
comment on column etl.settings.max_watch_seconds is 'A play longer than this is rejected as an absurd duration.';

create table etl.runs (
    run_id bigint generated always as identity primary key,
    invocation text,
    started_at timestamptz not null,
    finished_at timestamptz,
    status text not null check (status in ('succeeded', 'failed')),
    snapshot_from text,
    snapshot_to text,
    source_time timestamptz,
    rows_extracted bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_rejected bigint not null default 0,
    days_recomputed integer not null default 0,
    erasures_applied integer not null default 0,
    private_rows_purged bigint not null default 0,
    oldest_unloaded_at timestamptz,
    error_message text
);
alter table etl.runs owner to tally_owner;
comment on table etl.runs is 'Ledger: one row per load run. A successful run''s row commits with its facts; a failed run''s row is written after the rollback.';
comment on column etl.runs.run_id is 'Run identifier, also stamped on rejects.';
comment on column etl.runs.invocation is 'The id tally load put on every log line of this run (also in failed runs, which have no other link to their logs).';
comment on column etl.runs.started_at is 'When the run started.';
comment on column etl.runs.finished_at is 'When the run committed or failed.';
comment on column etl.runs.status is 'succeeded or failed. A dry run commits nothing and leaves no row.';
comment on column etl.runs.snapshot_from is 'Source snapshot (pg_current_snapshot) of the previous successful run: the lower bound of this extract.';
comment on column etl.runs.snapshot_to is 'Source snapshot of this run: the upper bound; the next run starts here.';
comment on column etl.runs.source_time is 'The operational server''s clock when the snapshot was taken.';
comment on column etl.runs.rows_extracted is 'Source rows (playback events plus ratings) read in this run.';
comment on column etl.runs.rows_loaded is 'Source rows that became facts.';
comment on column etl.runs.rows_rejected is 'Source rows sent to etl.rejects.';
comment on column etl.runs.days_recomputed is 'Distinct days whose daily facts were recomputed.';
comment on column etl.runs.erasures_applied is 'Erased profiles whose private state was purged in this run.';
comment on column etl.runs.private_rows_purged is 'Private state rows deleted (retention and erasure).';
comment on column etl.runs.oldest_unloaded_at is 'Ingestion time of the oldest source row loaded by this run (source lag).';
comment on column etl.runs.error_message is 'For a failed run: the one-line error. Never PII or passwords.';

create table etl.watermark (
    singleton boolean primary key default true check (singleton),
    snapshot text not null,
    run_id bigint not null references etl.runs (run_id),
    updated_at timestamptz not null
);
alter table etl.watermark owner to tally_owner;
comment on table etl.watermark is 'The source snapshot the last successful run read up to. A source row is new exactly when it is not visible in this snapshot; events committed late by long transactions are therefore picked up once.';
comment on column etl.watermark.singleton is 'Always true: one row.';
comment on column etl.watermark.snapshot is 'pg_snapshot text (xmin:xmax:xip,...) of the operational database.';
comment on column etl.watermark.run_id is 'The run that set it.';
comment on column etl.watermark.updated_at is 'When it was set.';

create table etl.rejects (
    run_id bigint not null references etl.runs (run_id),
    source text not null check (source in ('playback', 'rating')),
    source_id bigint not null,
    reason text not null,
    primary key (source, source_id, run_id)
);
alter table etl.rejects owner to tally_owner;
comment on table etl.rejects is 'Source rows the load refused, with a reason code. Holds ids and reasons only: no PII, no pseudonym, no values.';
comment on column etl.rejects.run_id is 'The run that rejected it.';
comment on column etl.rejects.source is 'playback (app.playback_events) or rating (app.ratings).';
comment on column etl.rejects.source_id is 'event_id or rating_id in the operational database.';
comment on column etl.rejects.reason is 'unknown_profile, negative_duration, absurd_duration, future_timestamp, before_service_start, beyond_retention, invalid_thumb.';
