-- Question: how often are plays watched to the end on each class of device (tv, mobile, web,
--           console, other) in a month, over all titles?
-- Run:      psql -v month=2026-11-01 -f sql/examples/completion_by_device_class.sql
-- Variables (none required): month  any day of the month, YYYY-MM-DD (default: the latest loaded month)
-- Reads:    report.title_breakdown (dimension device_class), summed over the titles. plays and
--           completed_plays add up; the values a title-month hides are in its all_other row, a
--           group of their own here. Title-months whose plays are suppressed (hidden days that
--           hold fewer than k people, or a week that shows theirs) drop out; titles_left_out says
--           how many.

\ir pick_month.psql

select
    coalesce(b.value, '(hidden values)') as device_class,
    sum(b.plays) as plays,
    sum(b.completed_plays) as completed_plays,
    round(100.0 * sum(b.completed_plays) / nullif(sum(b.plays), 0), 1) as completion_pct,
    count(distinct b.title_id) filter (where b.suppressed) as titles_left_out
from report.title_breakdown b
where b.period = 'month' and b.period_start = :'month_start' and b.dimension = 'device_class'
group by b.value
order by b.value nulls last;
