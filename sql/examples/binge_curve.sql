-- Question: how deep do the binges on a title go: how many people watched it on each of the past
--           2, 3, ... 30 days, as of the latest loaded day?
-- Run:      psql -v title='A Christmas Prince' -f sql/examples/binge_curve.sql
-- Variables (none required): title  the title's name, any name it has had (default 'A Christmas Prince')
-- Reads:    report.title_streaks. Each row counts people whose run is at least streak_days long,
--           so the numbers fall as streak_days grows. A length is shown only when its count is
--           at least k and equals the next shorter shown one or lies at least k below it (so no
--           difference tells of 1 to k - 1 people): the missing lengths lie between their
--           neighbours.

\ir find_title.psql
\if :title_found
\else
    \quit
\endif

-- The latest loaded day, as a constant (a join on it would make the view work out every day).
select max(day) as as_of from report.title_daily \gset

select
    s.as_of,
    s.title,
    s.streak_days,
    s.viewers
from report.title_streaks s
where s.as_of = :'as_of' and s.title_id in (:title_ids)
order by s.streak_days;
