-- Private state becomes an append-only log that tally load reads back by day. The facts are now
-- computed by tally in memory (Sources/Tally/Facts), so the per-key merge (ON CONFLICT on a
-- primary key) and the indexes it needed for SQL joins cost more than they gave: each run appends
-- its rows, and rows of different runs with the same key simply add up when read. A BRIN index on
-- the day serves the read-back and the retention purge: rows arrive roughly in day order.
-- Grain: private.activity, one row per run, day, title, pseudonym and segment; private.play_durations,
-- one row per run, day, title, segment and watched second.

alter table private.activity drop constraint activity_pkey;
drop index private.activity_pseudonym;
drop index private.activity_title_day;
create index activity_day on private.activity using brin (day);
comment on table private.activity is 'Per pseudonymous profile per day, title and segment: counts the facts are recomputed from. Append-only: each run adds its rows, and rows with the same key add up. Restricted: tally_loader only. Rows older than retention_days and rows of erased profiles are deleted by the load.';

alter table private.play_durations drop constraint play_durations_pkey;
create index play_durations_day on private.play_durations using brin (day);
comment on table private.play_durations is 'How many plays lasted each number of seconds under 600, per day, title and segment. Longer plays are not kept: skip_seconds is at most 600, so they are never skips. Not about any person: there is no pseudonym here. Append-only: rows with the same key add up. Kept so skips can be recomputed exactly when the skip thresholds change. Purged with the retention window.';
