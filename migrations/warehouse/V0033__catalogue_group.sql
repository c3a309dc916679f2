-- The period's whole audience as a group (issue 17): report.coviewing's lift, rounded to 0.01,
-- gives the period's whole audience (analytics.fact_period_audience) exactly through any pair of
-- few viewers, so it is a published count that no rule took. It is now a third grouping of
-- fact_group_period, 'catalogue' (one group, 'all titles', every title and the plays of titles not
-- in the catalogue), which report.group_totals suppresses with the series' and genres' rules (a
-- title, a day, a series or a genre 1 to k - 1 below it hides it), and lift is shown only where
-- that row is. Periods loaded before this migration have no catalogue row, and so no lift, until
-- the load recomputes them (the next load that touches one of their days, or `tally load
-- --backfill`).
-- Grain: one row per (period_kind, period_start) with a play, in fact_group_period.

alter table analytics.fact_group_period drop constraint fact_group_period_grouping_check;
alter table analytics.fact_group_period add constraint fact_group_period_grouping_check
    check (grouping in ('series', 'genre', 'catalogue'));
comment on column analytics.fact_group_period.grouping is 'series (dim_title.series_name), genre (dim_title.genre), or catalogue (name ''all titles'': every title, so its viewers are the period''s whole audience, as in fact_period_audience).';
