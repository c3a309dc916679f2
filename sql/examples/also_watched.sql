-- Question: viewers of a title also watched what, in the latest week (or month)?
-- Run:      psql -v title='A Christmas Prince' -v period=week -v limit=10 -f sql/examples/also_watched.sql
-- Variables (none required): title   the title's name, any name it has had (default 'A Christmas Prince')
--                            period  week or month (default week)
--                            limit   how many partners (default 10)
-- Reads:    report.coviewing, which lists every pair in both orders, so title_a = the title finds
--           all its partners. pct_of_viewers is the share of the title's viewers who also watched
--           the partner; jaccard is the overlap of the two audiences, 0 to 1. Pairs that fewer than k
--           people share, or that would tell how many watched one title and not the other when
--           that is 1 to k - 1 people, have no row.

\ir find_title.psql
\if :title_found
\else
    \quit
\endif
\if :{?period}
\else
    \set period week
\endif
\if :{?limit}
\else
    \set limit 10
\endif

with latest as (
    select max(c.period_start) as period_start
    from report.coviewing c
    where c.period = :'period' and c.title_a_id in (:title_ids)
)
select
    c.period_start,
    c.title_a as title,
    c.title_b as also_watched,
    c.shared_viewers,
    round(100.0 * c.shared_viewers / c.viewers_a, 1) as pct_of_viewers,
    c.jaccard
from report.coviewing c
join latest l on l.period_start = c.period_start
where c.period = :'period'
  and c.title_a_id in (:title_ids)
order by c.shared_viewers desc, c.title_b
limit :limit;
