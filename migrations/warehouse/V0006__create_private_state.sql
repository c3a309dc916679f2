-- Pseudonymous working state: what exact late-data recomputation, distinct-over-period counts,
-- co-viewing and streaks need across runs. Keyed by HMAC-SHA-256 of the profile id with a key kept
-- outside both databases. Only tally_loader reads it; purged past etl.settings.retention_days and
-- for erased accounts.
-- Grain: one row per (day, title, pseudonym, device, region, audience) with activity.

create table private.activity (
    day date not null,
    title_id integer not null,
    pseudonym bytea not null check (octet_length(pseudonym) = 32),
    device_key smallint not null,
    region_key smallint not null,
    audience_key smallint not null,
    plays integer not null,
    completed_plays integer not null,
    watch_seconds bigint not null,
    thumbs_up integer not null,
    thumbs_down integer not null,
    primary key (day, title_id, pseudonym, device_key, region_key, audience_key)
);
alter table private.activity owner to tally_owner;
create index activity_pseudonym on private.activity (pseudonym);
create index activity_title_day on private.activity (title_id, day);
comment on table private.activity is 'Per pseudonymous profile per day, title and segment: counts the facts are recomputed from. Restricted: tally_loader only. Rows older than retention_days and rows of erased profiles are deleted by the load.';
comment on column private.activity.day is 'Day in the business time zone.';
comment on column private.activity.title_id is 'Catalogue title id (natural key), so facts re-point when a title version changes or an unknown title arrives.';
comment on column private.activity.pseudonym is 'HMAC-SHA-256(profile id) under the operator''s key. Not reversible without the key, which never enters a database.';
comment on column private.activity.device_key is 'dim_device key.';
comment on column private.activity.region_key is 'dim_region key.';
comment on column private.activity.audience_key is 'dim_audience key.';
comment on column private.activity.plays is 'Playback events.';
comment on column private.activity.completed_plays is 'Completed playback events.';
comment on column private.activity.watch_seconds is 'Seconds watched.';
comment on column private.activity.thumbs_up is 'Ratings of +1.';
comment on column private.activity.thumbs_down is 'Ratings of -1.';
