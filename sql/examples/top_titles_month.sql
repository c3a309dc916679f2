-- Question: which titles reached the most distinct people in a month, and how long did they watch?
-- Run:      psql -v month=2026-12-01 -v limit=10 -f sql/examples/top_titles_month.sql
-- Variables (none required): month  any day of the month, YYYY-MM-DD (default: the latest loaded month)
--                            limit  how many titles (default 10)
-- Reads:    report.title_monthly. viewers are distinct over the month; hours_per_viewer is
--           watch_hours / viewers (NULL where watch_hours is suppressed).

\if :{?month}
\else
    \set month ''
\endif
\if :{?limit}
\else
    \set limit 10
\endif

with the_month as (
    select date_trunc('month', coalesce(nullif(:'month', '')::date, (select max(day) from report.title_daily)))::date as month_start
)
select
    m.month_start,
    t.title,
    t.kind,
    t.viewers,
    t.watch_hours,
    round(t.watch_hours / t.viewers, 2) as hours_per_viewer
from report.title_monthly t
join the_month m on m.month_start = t.month_start
where t.viewers is not null
order by t.viewers desc, t.title
limit :limit;
