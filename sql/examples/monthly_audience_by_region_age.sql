-- Question: how much does each region, and each age band, watch in a month?
-- Run:      psql -v month=2026-11-01 -f sql/examples/monthly_audience_by_region_age.sql
-- Variables (none required): month  any day of the month, YYYY-MM-DD (default: the latest loaded month)
-- Reads:    report.title_breakdown (dimensions region and age_band, one at a time), summed over
--           the titles. watch_hours and plays add up. viewer_titles is the sum of each title's
--           distinct viewers: a person who watched 2 titles counts twice, so it measures reach
--           across titles, not distinct people. The values a title-month hides are in its
--           all_other row, a group of their own here.

\ir pick_month.psql

select
    b.dimension,
    coalesce(b.value, '(hidden values)') as value,
    sum(b.watch_hours) as watch_hours,
    sum(b.plays) as plays,
    sum(b.viewers) as viewer_titles
from report.title_breakdown b
where b.period = 'month' and b.period_start = :'month_start' and b.dimension in ('region', 'age_band')
group by b.dimension, b.value
order by b.dimension, b.value nulls last;
