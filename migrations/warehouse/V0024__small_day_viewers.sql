-- A title-period's plays, hours and skips survive a hidden day (issue 17): the period's plays less
-- the plays of its shown days are the plays of its hidden days, so the report may show them when
-- the hidden days together hold k or more people. The engine counts those people.
-- Grain: two columns of analytics.fact_title_period. Existing rows keep NULL, which the report reads
-- as "not known": their plays stay hidden where a day is hidden until the load recomputes the
-- period (the next load that touches one of its days, or `tally load --backfill`).

alter table analytics.fact_title_period
    add column small_day_viewers integer check (small_day_viewers >= 0),
    add column small_day_below integer check (small_day_below >= 1);
comment on column analytics.fact_title_period.small_day_viewers is 'Distinct profiles that played the title on the period''s days with fewer than small_day_below viewers (the days the report hides at k = small_day_below). Not additive. NULL: computed before V0024.';
comment on column analytics.fact_title_period.small_day_below is 'The day-viewers threshold small_day_viewers was counted below: etl.coviewing_floor() at the load (k unless a DBA set a lower floor).';
