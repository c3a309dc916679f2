-- Question: how has the weekly audience of one title moved over the last weeks?
-- Run:      psql -v title='A Christmas Prince' -v weeks=12 -f sql/examples/weekly_trend.sql
-- Variables (none required): title  the title's name, any name it has had (default 'A Christmas Prince')
--                            weeks  how many ISO weeks back from the latest (default 12)
-- Reads:    report.title_weekly, one row per ISO week (Monday start) and title. viewers are
--           distinct people in the week, not a sum of days. plays and watch_hours are NULL in a
--           week where some day of the title was hidden; suppressed = true says so. change is
--           given only between two whole, adjacent weeks (days_covered = 7): a partial week is
--           not a drop.

\ir find_title.psql
\if :title_found
\else
    \quit
\endif
\if :{?weeks}
\else
    \set weeks 12
\endif

select
    w.week_start,
    w.title,
    w.viewers,
    case when w.days_covered = 7 and lag(w.days_covered) over weeks = 7 and lag(w.week_start) over weeks = w.week_start - 7
         then w.viewers - lag(w.viewers) over weeks end as change,
    w.plays,
    w.watch_hours,
    w.days_covered,
    w.suppressed
from report.title_weekly w
where w.title_id in (:title_ids) and w.week_start > (select max(week_start) from report.title_weekly) - 7 * :weeks
window weeks as (order by w.week_start)
order by w.week_start;
