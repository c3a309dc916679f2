-- Question: how many people watched a title on each of the past N days, as of the latest loaded
--           day? ("To the 53 people who've watched A Christmas Prince every day for the past 18
--           days: who hurt you?")
-- Run:      psql -v title='A Christmas Prince' -v days=18 -f sql/examples/streak_viewers.sql
-- Variables (none required): title  the title's name, any name it has had, in any case (default
--                                   'A Christmas Prince')
--                            days   the number of consecutive days, 2 up to the load's maximum
--                                   (30 unless the DBA changed it) (default 18)
-- Reads:    report.title_streaks and report.title_daily, as of the latest day in title_daily.
--           The answer is exact when that streak length is shown. Otherwise it gives the range
--           that the neighbouring shown lengths allow: a length is hidden when fewer than k
--           people had it, or when its count would tell how many people had a run of exactly
--           some length, or whose run ended on an earlier day, if that is 1 to k - 1.

\ir find_title.psql
\if :title_found
\else
    \quit
\endif
\if :{?days}
\else
    \set days 18
\endif
-- The latest loaded day, as a constant (a join on it would make the views work out every day).
select max(day) as as_of from report.title_daily \gset
select :days::int between 2 and greatest(30, (select max(streak_days) from report.title_streaks where as_of = :'as_of')) as days_in_range \gset
\if :days_in_range
\else
    \echo days must be from 2 to the longest streak the load counts (30 unless the DBA changed it). For one day, read the viewers in report.title_daily.
    \quit
\endif

with lengths as (
    -- Shown counts as of that day: the day's viewers as length 1, then the shown streak lengths.
    select 1 as streak_days, d.viewers
    from report.title_daily d
    where d.day = :'as_of' and d.title_id in (:title_ids)
    union all
    select s.streak_days, s.viewers
    from report.title_streaks s
    where s.as_of = :'as_of' and s.title_id in (:title_ids)
), bounds as (
    select
        max(viewers) filter (where streak_days = :days) as exact,
        min(viewers) filter (where streak_days < :days) as at_most,
        max(viewers) filter (where streak_days > :days) as at_least
    from lengths
)
select
    :'as_of'::date as as_of,
    :'title' as title,
    :days as days,
    b.exact as viewers,
    case
        when b.exact is not null
            then format('%s people watched %s every day for the past %s days', b.exact, :'title', :days)
        when b.at_most is null
            then format('fewer than %s people watched %s every day for the past %s days (or none)',
                        (select k from report.settings), :'title', :days)
        else format('between %s and %s people watched %s every day for the past %s days (not published exactly: fewer than %s, or it would reveal a smaller group)',
                    coalesce(b.at_least, 0), b.at_most, :'title', :days, (select k from report.settings))
    end as answer
from bounds b;
