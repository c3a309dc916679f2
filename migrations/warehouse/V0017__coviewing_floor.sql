-- Co-viewing stores only pairs that can be published: a pair is kept when at least the floor of
-- people watched both titles in the period (k by default). Pairs below it were never shown, and a
-- few heavy viewers made millions of them (issue 16: 25 million rows for 331 publishable pairs).
-- Grain: one settings column; the existing pairs below the floor are deleted.

alter table etl.settings add column coviewing_floor integer check (coviewing_floor >= 2);
comment on column etl.settings.coviewing_floor is 'Fewest shared viewers a co-viewing pair needs to be stored in analytics.fact_coviewing. NULL (default): report.settings.k. Set it below k ahead of lowering k, so that the smaller k needs no rebuild; pairs below it are never stored, so jaccard and lift exist only for pairs at or above it.';

delete from analytics.fact_coviewing where shared_viewers < (select coalesce(e.coviewing_floor, r.k) from etl.settings e, report.settings r);
comment on table analytics.fact_coviewing is 'Pairs of titles watched by the same people in a period. Grain: one row per (period_kind, period_start, title_a_key < title_b_key) with at least etl.coviewing_floor() shared viewers (k unless etl.settings.coviewing_floor is set lower). Source: the nightly load. Privacy: aggregate; shared_viewers unsuppressed.';
