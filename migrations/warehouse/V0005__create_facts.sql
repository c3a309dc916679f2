-- Facts of the star schema. Every row aggregates over people; none holds a row per person.
-- Daily, segment and streak facts are range-partitioned by month on their date key, so a nightly
-- load touches only recent partitions (etl.ensure_month_partitions creates them as days arrive).
-- No cross-partition unique constraints: the layout stays Citus-compatible (distribute by title_key).

create table analytics.fact_title_daily (
    date_key integer not null,
    title_key integer not null,
    viewers integer not null,
    plays integer not null,
    completed_plays integer not null,
    watch_seconds bigint not null,
    thumbs_up integer not null,
    thumbs_down integer not null,
    primary key (date_key, title_key)
) partition by range (date_key);
alter table analytics.fact_title_daily owner to tally_owner;
create table analytics.fact_title_daily_default partition of analytics.fact_title_daily default;
alter table analytics.fact_title_daily_default owner to tally_owner;
comment on table analytics.fact_title_daily is 'Per title per day. Grain: one row per (date_key, title_key) with any play or rating. Source: playback events and ratings via the nightly load. Privacy: aggregate; viewers unsuppressed (analysts read report.title_daily).';
comment on column analytics.fact_title_daily.date_key is 'Day (dim_date), in the business time zone.';
comment on column analytics.fact_title_daily.title_key is 'Title version valid that day (dim_title); -1 while the title is unknown.';
comment on column analytics.fact_title_daily.viewers is 'Distinct profiles that played the title that day. Exact. Not additive across days or titles.';
comment on column analytics.fact_title_daily.plays is 'Playback events. Additive.';
comment on column analytics.fact_title_daily.completed_plays is 'Playback events marked completed. Additive.';
comment on column analytics.fact_title_daily.watch_seconds is 'Seconds watched. Additive.';
comment on column analytics.fact_title_daily.thumbs_up is 'Ratings of +1 given that day. Additive.';
comment on column analytics.fact_title_daily.thumbs_down is 'Ratings of -1 given that day. Additive.';

create table analytics.fact_title_daily_segment (
    date_key integer not null,
    title_key integer not null,
    device_key smallint not null,
    region_key smallint not null,
    audience_key smallint not null,
    viewers integer not null,
    plays integer not null,
    completed_plays integer not null,
    watch_seconds bigint not null,
    thumbs_up integer not null,
    thumbs_down integer not null,
    primary key (date_key, title_key, device_key, region_key, audience_key)
) partition by range (date_key);
alter table analytics.fact_title_daily_segment owner to tally_owner;
create table analytics.fact_title_daily_segment_default partition of analytics.fact_title_daily_segment default;
alter table analytics.fact_title_daily_segment_default owner to tally_owner;
comment on table analytics.fact_title_daily_segment is 'Per title per day per device x region x audience segment. Grain: one row per (date_key, title_key, device_key, region_key, audience_key) with activity. Source: the nightly load. Privacy: aggregate, but small cells can single a person out: analysts read report.title_segments, which suppresses them.';
comment on column analytics.fact_title_daily_segment.date_key is 'Day (dim_date).';
comment on column analytics.fact_title_daily_segment.title_key is 'Title version (dim_title).';
comment on column analytics.fact_title_daily_segment.device_key is 'Device type (dim_device); ratings count under the unknown device.';
comment on column analytics.fact_title_daily_segment.region_key is 'Country (dim_region).';
comment on column analytics.fact_title_daily_segment.audience_key is 'Age band x plan x kids (dim_audience).';
comment on column analytics.fact_title_daily_segment.viewers is 'Distinct profiles in this cell. NON-ADDITIVE: one profile on two devices counts in both cells, so segments do not sum to fact_title_daily.viewers.';
comment on column analytics.fact_title_daily_segment.plays is 'Playback events. Additive.';
comment on column analytics.fact_title_daily_segment.completed_plays is 'Completed playback events. Additive.';
comment on column analytics.fact_title_daily_segment.watch_seconds is 'Seconds watched. Additive.';
comment on column analytics.fact_title_daily_segment.thumbs_up is 'Ratings of +1. Additive.';
comment on column analytics.fact_title_daily_segment.thumbs_down is 'Ratings of -1. Additive.';

create table analytics.fact_title_period (
    period_kind text not null check (period_kind in ('week', 'month')),
    period_start date not null,
    title_key integer not null,
    viewers integer not null,
    plays integer not null,
    watch_seconds bigint not null,
    primary key (period_kind, period_start, title_key)
);
alter table analytics.fact_title_period owner to tally_owner;
comment on table analytics.fact_title_period is 'Per title per ISO week or calendar month. Grain: one row per (period_kind, period_start, title_key). Source: the nightly load, recomputed whenever a day of the period changes. Privacy: aggregate; viewers unsuppressed.';
comment on column analytics.fact_title_period.period_kind is 'week (ISO, Monday start) or month.';
comment on column analytics.fact_title_period.period_start is 'First day of the period.';
comment on column analytics.fact_title_period.title_key is 'Title version valid on the period''s last loaded day.';
comment on column analytics.fact_title_period.viewers is 'Distinct profiles that played the title at least once in the period. Exact; not the sum of daily viewers.';
comment on column analytics.fact_title_period.plays is 'Playback events in the period. Additive.';
comment on column analytics.fact_title_period.watch_seconds is 'Seconds watched in the period. Additive.';

create table analytics.fact_coviewing (
    period_kind text not null check (period_kind in ('week', 'month')),
    period_start date not null,
    title_a_key integer not null,
    title_b_key integer not null,
    shared_viewers integer not null,
    primary key (period_kind, period_start, title_a_key, title_b_key),
    check (title_a_key < title_b_key)
);
alter table analytics.fact_coviewing owner to tally_owner;
comment on table analytics.fact_coviewing is 'Pairs of titles watched by the same people in a period. Grain: one row per (period_kind, period_start, title_a_key < title_b_key) with at least one shared viewer. Source: the nightly load. Privacy: aggregate; shared_viewers unsuppressed.';
comment on column analytics.fact_coviewing.period_kind is 'week or month.';
comment on column analytics.fact_coviewing.period_start is 'First day of the period.';
comment on column analytics.fact_coviewing.title_a_key is 'The pair''s lower title key.';
comment on column analytics.fact_coviewing.title_b_key is 'The pair''s higher title key.';
comment on column analytics.fact_coviewing.shared_viewers is 'Distinct profiles that played both titles in the period. Exact; not additive.';

create table analytics.fact_title_streak (
    as_of_date_key integer not null,
    title_key integer not null,
    streak_days integer not null check (streak_days >= 2),
    viewers integer not null,
    primary key (as_of_date_key, title_key, streak_days)
) partition by range (as_of_date_key);
alter table analytics.fact_title_streak owner to tally_owner;
create table analytics.fact_title_streak_default partition of analytics.fact_title_streak default;
alter table analytics.fact_title_streak_default owner to tally_owner;
comment on table analytics.fact_title_streak is 'Binge streaks: how many profiles played a title on every one of the streak_days consecutive days ending as_of. Answers "how many people watched A Christmas Prince every day for the past 18 days" (streak_days = 18). Grain: one row per (as_of_date_key, title_key, streak_days) with viewers > 0; a missing row means 0. Source: the nightly load. Privacy: aggregate; unsuppressed.';
comment on column analytics.fact_title_streak.as_of_date_key is 'Last day of the streak (dim_date).';
comment on column analytics.fact_title_streak.title_key is 'Title version valid on as_of (dim_title).';
comment on column analytics.fact_title_streak.streak_days is 'Length of the run of consecutive days, from 2 to etl.settings.streak_max_days.';
comment on column analytics.fact_title_streak.viewers is 'Profiles whose run of days with a play ending as_of is at least streak_days long. Exact; decreases as streak_days grows.';
