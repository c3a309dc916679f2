-- Question: which series (or genres) reached the most distinct people in a month?
-- Run:      psql -v month=2026-11-01 -v grouping=series -v limit=5 -f sql/examples/top_groups_month.sql
-- Variables (none required): month     any day of the month, YYYY-MM-DD (default: the latest loaded month)
--                            grouping  series or genre (default series)
--                            limit     how many (default 10)
-- Reads:    report.group_totals. viewers are distinct over the group's titles: someone who watched
--           five episodes of a series counts once, so a series' viewers are fewer than the sum of
--           its episodes'. plays and watch_hours are NULL unless every title of the group shows
--           its own in title_monthly. days_covered says how many days of the month are loaded.

\ir pick_month.psql
\if :{?grouping}
\else
    \set grouping series
\endif
\if :{?limit}
\else
    \set limit 10
\endif
select :'grouping' in ('series', 'genre') as grouping_known \gset
\if :grouping_known
\else
    \echo grouping must be series or genre
    \quit
\endif

select
    g.period_start as month_start,
    g.name as :"grouping",
    g.titles,
    g.viewers,
    g.plays,
    g.watch_hours,
    g.days_covered
from report.group_totals g
where g.grouping = :'grouping' and g.period = 'month' and g.period_start = :'month_start'
order by g.viewers desc, g.name
limit :limit;
