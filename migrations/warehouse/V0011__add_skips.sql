-- Skips: the seed's third measure, next to watch time and thumbs. A play is a skip when it ended
-- before min(skip_seconds, skip_runtime_share x runtime); a title with no known runtime uses
-- skip_seconds alone. The thresholds are settings a DBA can change; days recomputed afterwards
-- (and tally load --rebuild) use the new values, because the durations themselves are kept.
-- Grain of private.play_durations: one row per day, title, segment and watched second (capped at 600).

alter table etl.settings
    add column skip_seconds integer not null default 30 check (skip_seconds between 1 and 600),
    add column skip_runtime_share numeric not null default 0.10 check (skip_runtime_share > 0 and skip_runtime_share <= 1);
comment on column etl.settings.skip_seconds is 'A play shorter than this many seconds is a skip (default 30; at most 600, the precision of private.play_durations).';
comment on column etl.settings.skip_runtime_share is 'A play shorter than this share of the title''s runtime is a skip (default 0.10); the smaller of the two thresholds applies.';

create table private.play_durations (
    day date not null,
    title_id integer not null,
    device_key smallint not null,
    region_key smallint not null,
    audience_key smallint not null,
    watched_seconds integer not null check (watched_seconds between 0 and 600),
    plays integer not null,
    primary key (day, title_id, device_key, region_key, audience_key, watched_seconds)
);
alter table private.play_durations owner to tally_owner;
comment on table private.play_durations is 'How many plays lasted each number of seconds, per day, title and segment (600 means 600 or more). Not about any person: there is no pseudonym here. Kept so skips can be recomputed exactly when the skip thresholds change. Purged with the retention window.';
comment on column private.play_durations.day is 'Day in the business time zone.';
comment on column private.play_durations.title_id is 'Catalogue title id.';
comment on column private.play_durations.device_key is 'dim_device key.';
comment on column private.play_durations.region_key is 'dim_region key.';
comment on column private.play_durations.audience_key is 'dim_audience key.';
comment on column private.play_durations.watched_seconds is 'Seconds watched, capped at 600.';
comment on column private.play_durations.plays is 'Plays of exactly that length (or longer, for 600).';
grant select, insert, update, delete on private.play_durations to tally_loader;

alter table analytics.fact_title_daily add column skips integer not null default 0;
alter table analytics.fact_title_daily_segment add column skips integer not null default 0;
alter table analytics.fact_title_period add column skips integer not null default 0;
comment on column analytics.fact_title_daily.skips is 'Plays that ended before the skip threshold (etl.settings). Additive.';
comment on column analytics.fact_title_daily_segment.skips is 'Plays that ended before the skip threshold. Additive.';
comment on column analytics.fact_title_period.skips is 'Plays in the period that ended before the skip threshold. Additive.';
