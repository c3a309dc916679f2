-- Question: how has the weekly audience of one title moved over the last weeks?
-- Run:      psql -v title='A Christmas Prince' -v weeks=12 -f sql/examples/weekly_trend.sql
-- Variables (none required): title  the title's name, any name it has had (default 'A Christmas Prince')
--                            weeks  how many ISO weeks back from the latest (default 12)
-- Reads:    report.title_weekly, one row per ISO week (Monday start) and title. viewers are
--           distinct people in the week, not a sum of days. plays and watch_hours are NULL in a
--           week where some day of the title was suppressed; suppressed = true says so.

\if :{?title}
\else
    \set title 'A Christmas Prince'
\endif
\if :{?weeks}
\else
    \set weeks 12
\endif

with the_title as (
    select distinct title_id from report.title_daily where title = :'title'
)
select
    w.week_start,
    w.title,
    w.viewers,
    w.viewers - lag(w.viewers) over (order by w.week_start) as change,
    w.plays,
    w.watch_hours,
    w.suppressed
from report.title_weekly w
join the_title t on t.title_id = w.title_id
where w.week_start > (select max(week_start) from report.title_weekly) - 7 * :weeks
order by w.week_start;
