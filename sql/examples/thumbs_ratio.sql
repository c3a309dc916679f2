-- Question: which titles do people rate up most, relative to down, over the last N days?
-- Run:      psql -v days=28 -v min_ratings=20 -v limit=20 -f sql/examples/thumbs_ratio.sql
-- Variables (none required): days         days back from the latest loaded day (default 28)
--                            min_ratings  leave out titles with fewer ratings (default 20)
--                            limit        how many titles (default 20)
-- Reads:    report.title_ratings. thumbs add up across days; title-days with fewer than k
--           raters have no row and drop out of the sums.

\if :{?days}
\else
    \set days 28
\endif
\if :{?min_ratings}
\else
    \set min_ratings 20
\endif
\if :{?limit}
\else
    \set limit 20
\endif

with recent as (
    select title_id, title, thumbs_up, thumbs_down
    from report.title_ratings
    where day > (select max(day) from report.title_daily) - :days
), totals as (
    select title_id, max(title) as title, sum(thumbs_up) as thumbs_up, sum(thumbs_down) as thumbs_down
    from recent
    group by title_id
)
select
    title,
    thumbs_up,
    thumbs_down,
    round(100.0 * thumbs_up / nullif(thumbs_up + thumbs_down, 0), 1) as pct_up
from totals
where thumbs_up + thumbs_down >= :min_ratings
order by pct_up desc, thumbs_up desc, title
limit :limit;
