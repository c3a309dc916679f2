-- Question: which music tracks were skipped most in a week, and how often are they skipped?
-- Run:      psql -v week_start=2026-11-16 -v limit=10 -f sql/examples/most_skipped_tracks.sql
-- Variables (none required): week_start  Monday of the week (default: the latest loaded week)
--                            min_plays   leave out tracks with fewer plays (default 20)
--                            limit       how many tracks (default 10)
-- Reads:    report.title_weekly. A skip is a play that ended before min(30 s, 10% of the runtime)
--           (etl.settings); skips add up. Weeks with a hidden day show NULL plays and skips and
--           drop out.

\if :{?week_start}
\else
    select max(week_start)::text as week_start from report.title_weekly \gset
\endif
\if :{?min_plays}
\else
    \set min_plays 20
\endif
\if :{?limit}
\else
    \set limit 10
\endif

select
    title,
    plays,
    skips,
    round(100.0 * skips / nullif(plays, 0), 1) as skip_rate_pct
from report.title_weekly
where week_start = :'week_start'::date
  and kind = 'track'
  and plays >= :min_plays
order by skips desc, skip_rate_pct desc, title
limit :limit;
