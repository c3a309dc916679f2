-- Question: TV against mobile (and the other device classes) for one title in a month: how many
--           people, how many plays, how much completed?
-- Run:      psql -v title='A Christmas Prince' -v month=2026-11-01 -f sql/examples/device_split.sql
-- Variables (none required): title  the title's name, any name it has had, in any case (default
--                                   'A Christmas Prince')
--                            month  any day of the month, YYYY-MM-DD (default: the latest loaded month)
-- Reads:    report.title_breakdown (dimension device_class). viewers are distinct people per device
--           class; one person on a TV and a phone counts in both, so they do not add up to the
--           month's viewers (in report.title_monthly). Classes with fewer than k viewers are in the
--           all_other row, with as viewers the month's viewers not accounted for by the shown classes.

\ir find_title.psql
\if :title_found
\else
    \quit
\endif
\ir pick_month.psql

select
    b.period_start as month_start,
    b.title,
    coalesce(b.value, '(all other)') as device_class,
    b.viewers,
    b.plays,
    round(100.0 * b.completed_plays / nullif(b.plays, 0), 1) as completion_pct,
    b.watch_hours
from report.title_breakdown b
where b.period = 'month' and b.period_start = :'month_start' and b.dimension = 'device_class' and b.title_id in (:title_ids)
order by b.all_other, b.viewers desc;
