-- Question: which titles reached the most distinct people in a month, and how long did they watch?
-- Run:      psql -v month=2026-11-01 -v limit=10 -f sql/examples/top_titles_month.sql
-- Variables (none required): month  any day of the month, YYYY-MM-DD (default: the latest loaded month)
--                            limit  how many titles (default 10)
-- Reads:    report.title_monthly. viewers are distinct over the month; hours_per_viewer is
--           watch_hours / viewers (NULL where watch_hours is suppressed). days_covered says how
--           many days of the month are loaded: a partial month is not a whole one.

\ir pick_month.psql
\if :{?limit}
\else
    \set limit 10
\endif

select
    t.month_start,
    t.title,
    t.kind,
    t.viewers,
    t.watch_hours,
    round(t.watch_hours / t.viewers, 2) as hours_per_viewer,
    t.days_covered
from report.title_monthly t
where t.month_start = :'month_start'
order by t.viewers desc, t.title
limit :limit;
