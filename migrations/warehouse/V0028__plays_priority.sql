-- Which periods show plays over hidden days (issue 17, rule I4). A period's plays less its shown
-- days' are its hidden days' plays, shown when those days hold k or more people. A month and a week
-- that overlaps it cannot both show them: the month less the week would leave the plays of the
-- month's other hidden days, which may be fewer than k people. This setting says which kind wins.
-- 'month' (default) shows plays for most title-months (504 of 506 on the demo, 131 of 999
-- title-weeks); 'week' shows them for most title-weeks (984 of 999, 224 of 506 title-months).
-- Grain: one settings column.

alter table report.settings add column plays_priority text not null default 'month' check (plays_priority in ('month', 'week'));
comment on column report.settings.plays_priority is 'Which periods show plays, skips and watch hours over hidden days when a week and the month it overlaps both could: month (default) or week. The other kind then shows them only where no day is hidden, or no overlapping period of the first kind shows them (docs/analysts.md, rule I4).';
