-- Distinct raters per title-day and segment (issue 17): thumbs are shown to analysts only where at
-- least k people rated, however many watched, so that one person's thumbs-down is never a cell.
-- Rows computed before this migration have NULL raters (unknown), and report.title_ratings shows
-- them only once they are recomputed (a late event, or tally load --rebuild within retention).
-- Grain: one column on each daily fact table.

alter table analytics.fact_title_daily add column raters integer;
alter table analytics.fact_title_daily_segment add column raters integer;
comment on column analytics.fact_title_daily.raters is 'Distinct profiles that rated the title that day (thumbs up or down). NULL on rows computed before raters were counted. Unsuppressed.';
comment on column analytics.fact_title_daily_segment.raters is 'Distinct profiles that rated the title that day in the segment. NULL on rows computed before raters were counted. Unsuppressed.';
