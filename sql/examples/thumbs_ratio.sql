-- Question: which titles do people rate up most, relative to down, in a month?
-- Run:      psql -v month=2026-11-01 -v min_ratings=20 -v limit=5 -f sql/examples/thumbs_ratio.sql
-- Variables (none required): month        any day of the month, YYYY-MM-DD (default: the latest loaded month)
--                            min_ratings  leave out titles with fewer ratings (default 20)
--                            limit        how many titles (default 20)
-- Reads:    report.title_monthly (thumbs_up, thumbs_down). A month shows thumbs when each side is
--           0 or at least k ratings; a day's thumbs (report.title_ratings) show only where k people
--           rated and each side is none or k people or more, which few days reach. Ratings, not
--           people: one person may rate on several days.

\ir pick_month.psql
\if :{?min_ratings}
\else
    \set min_ratings 20
\endif
\if :{?limit}
\else
    \set limit 20
\endif

select
    t.title,
    t.thumbs_up,
    t.thumbs_down,
    round(100.0 * t.thumbs_up / nullif(t.thumbs_up + t.thumbs_down, 0), 1) as pct_up
from report.title_monthly t
where t.month_start = :'month_start' and t.thumbs_up + t.thumbs_down >= :min_ratings
order by pct_up desc, t.thumbs_up desc, t.title
limit :limit;
