-- Question: how deep do the binges on a title go: how many people watched it on each of the past
--           2, 3, ... 30 days, as of the latest loaded day?
-- Run:      psql -v title='A Christmas Prince' -f sql/examples/binge_curve.sql
-- Variables (none required): title  the title's name, any name it has had (default 'A Christmas Prince')
-- Reads:    report.title_streaks. Each row counts people whose run is at least streak_days long,
--           so the numbers fall as streak_days grows; counts below k are NULL (suppressed).

\if :{?title}
\else
    \set title 'A Christmas Prince'
\endif

with as_of as (
    select max(day) as day from report.title_daily
), the_title as (
    select distinct title_id from report.title_daily where title = :'title'
)
select
    s.as_of,
    s.title,
    s.streak_days,
    s.viewers,
    s.suppressed
from report.title_streaks s
join as_of a on a.day = s.as_of
join the_title t on t.title_id = s.title_id
order by s.streak_days;
