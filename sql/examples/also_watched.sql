-- Question: viewers of a title also watched what, in the latest week (or month)?
-- Run:      psql -v title='A Christmas Prince' -v period=week -v limit=10 -f sql/examples/also_watched.sql
-- Variables (none required): title   the title's name, any name it has had (default 'A Christmas Prince')
--                            period  week or month (default week)
--                            limit   how many partners (default 10)
-- Reads:    report.coviewing, which lists every pair in both orders, so title_a = the title finds
--           all its partners. pct_of_viewers is the share of the title's viewers who also watched
--           the partner; jaccard is the overlap of the two audiences, 0 to 1. Pairs that fewer than k
--           people share, that would tell how many watched one title and not the other when that
--           is 1 to k - 1 people, or that would bound a hidden pair too closely through third
--           titles, have no row.

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

-- The view is read once (its rules are decided over every pair of every period at each read).
with pairs as materialized (
    select c.period_start, c.title_a, c.title_b, c.shared_viewers, c.viewers_a, c.jaccard
    from report.coviewing c
    where c.period = :'period'
      and c.title_a_id in (:title_ids)
)
select
    c.period_start,
    c.title_a as title,
    c.title_b as also_watched,
    c.shared_viewers,
    round(100.0 * c.shared_viewers / c.viewers_a, 1) as pct_of_viewers,
    c.jaccard
from pairs c
where c.period_start = (select max(period_start) from pairs)
order by c.shared_viewers desc, c.title_b
limit :limit;
