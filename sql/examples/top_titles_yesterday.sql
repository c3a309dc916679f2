-- Question: which titles had the most viewers yesterday, that is on the latest day the nightly
--           load has finished (or on a day you name)?
-- Run:      psql -v day=2026-11-29 -v limit=10 -f sql/examples/top_titles_yesterday.sql
-- Variables (none required): day    the day to rank, YYYY-MM-DD (default: the latest loaded day)
--                            limit  how many titles (default 10)
-- Reads:    report.title_daily, one row per title and day with at least k viewers; completion is
--           completed_plays / plays.

\if :{?day}
\else
    \set day ''
\endif
\if :{?limit}
\else
    \set limit 10
\endif

with ranked_day as (
    select coalesce(nullif(:'day', '')::date, (select max(day) from report.title_daily)) as day
)
select
    d.day,
    d.title,
    d.kind,
    d.viewers,
    d.plays,
    d.watch_hours,
    round(100.0 * d.completed_plays / nullif(d.plays, 0), 1) as completion_pct
from report.title_daily d
join ranked_day r on r.day = d.day
order by d.viewers desc, d.title
limit :limit;
