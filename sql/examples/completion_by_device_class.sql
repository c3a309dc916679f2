-- Question: how often are plays watched to the end on each class of device (tv, mobile, web,
--           console, other) over the last N days?
-- Run:      psql -v days=28 -f sql/examples/completion_by_device_class.sql
-- Variables (none required): days  how many days back from the latest loaded day (default 28)
-- Reads:    report.title_segments. plays and completed_plays add up across segments, but
--           suppressed segments are NULL and drop out of the sums, so the rate is over the shown
--           segments; hidden_segments says how many were left out.

\if :{?days}
\else
    \set days 28
\endif

with recent as (
    select *
    from report.title_segments
    where day > (select max(day) from report.title_daily) - :days
)
select
    device_class,
    sum(plays) as plays,
    sum(completed_plays) as completed_plays,
    round(100.0 * sum(completed_plays) / nullif(sum(plays), 0), 1) as completion_pct,
    count(*) filter (where suppressed) as hidden_segments
from recent
group by device_class
order by completion_pct desc nulls last, device_class;
