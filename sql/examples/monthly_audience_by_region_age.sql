-- Question: how much does each region and age band watch in a month?
-- Run:      psql -v month=2026-12-01 -f sql/examples/monthly_audience_by_region_age.sql
-- Variables (none required): month  any day of the month, YYYY-MM-DD (default: the latest loaded month)
-- Reads:    report.title_segments, summed over the month's days and all titles. watch_hours and
--           plays add up. viewer_days is the sum of daily segment viewers: a person who watched on
--           5 days, or 2 titles, counts 5 (or 2) times, so it measures attention, not distinct
--           people (distinct monthly audiences by segment are not published). Suppressed segments
--           drop out of every sum; hidden_segments says how many.

\if :{?month}
\else
    \set month ''
\endif

with the_month as (
    select date_trunc('month', coalesce(nullif(:'month', '')::date, (select max(day) from report.title_daily)))::date as month_start
)
select
    m.month_start,
    s.region,
    s.age_band,
    sum(s.watch_hours) as watch_hours,
    sum(s.plays) as plays,
    sum(s.viewers) as viewer_days,
    count(*) filter (where s.suppressed) as hidden_segments
from report.title_segments s
join the_month m on s.day >= m.month_start and s.day < (m.month_start + interval '1 month')
group by m.month_start, s.region, s.age_band
order by s.region, s.age_band;
