-- Question: how many people watched a title on each of the past N days, as of the latest loaded
--           day? ("To the 53 people who've watched A Christmas Prince every day for the past 18
--           days: who hurt you?")
-- Run:      psql -v title='A Christmas Prince' -v days=18 -f sql/examples/streak_viewers.sql
-- Variables (none required): title  the title's name, any name it has had (default 'A Christmas Prince')
--                            days   the number of consecutive days, 2 up to the load's maximum
--                                   (30 unless the DBA changed it) (default 18)
-- Reads:    report.title_streaks, as of the latest day in report.title_daily. The answer is exact
--           when it is at least k; below k (zero included) it reads "fewer than k".

\if :{?title}
\else
    \set title 'A Christmas Prince'
\endif
\if :{?days}
\else
    \set days 18
\endif

with as_of as (
    select max(day) as day from report.title_daily
), the_title as (
    select distinct title_id from report.title_daily where title = :'title'
), streak as (
    select s.viewers, s.suppressed
    from report.title_streaks s
    join as_of a on a.day = s.as_of
    join the_title t on t.title_id = s.title_id
    where s.streak_days = :days
)
select
    a.day as as_of,
    :'title' as title,
    :days as days,
    s.viewers,
    coalesce(s.suppressed, true) as suppressed,
    case
        when not exists (select 1 from the_title)
            then format('no title has been called %s', :'title')
        when s.viewers is not null
            then format('%s people watched %s every day for the past %s days', s.viewers, :'title', :days)
        else format('fewer than %s people watched %s every day for the past %s days',
                    (select k from report.settings), :'title', :days)
    end as answer
from as_of a
left join streak s on true;
