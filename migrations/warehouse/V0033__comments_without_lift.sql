-- report.coviewing has no lift any more (docs/analysts.md, I2): rounded to 0.01 it gave each
-- period's whole audience, and with it the period's hidden titles. The comments that DBAs read in
-- \d+ and that named lift are rewritten.
-- Grain: two comments.

comment on column etl.settings.coviewing_floor is 'Fewest shared viewers a co-viewing pair needs to be stored in analytics.fact_coviewing. NULL (default): report.settings.k. Set it below k ahead of lowering k, so that the smaller k needs no rebuild; pairs below it are never stored, so shared viewers and jaccard exist only for pairs at or above it.';
comment on table analytics.fact_period_audience is 'Distinct people who played anything in an ISO week or calendar month. Grain: one row per (period_kind, period_start). Source: the nightly load, recomputed with the period. Privacy: aggregate; unsuppressed, so no report view reads it: report.coviewing''s lift, which did, gave it exactly and with it the period''s hidden titles.';
