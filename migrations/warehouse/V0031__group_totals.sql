-- Series and genre totals (issue 17): the distinct people who played any title of a series, or of
-- a genre, in a week or a month. A series' audience is not the sum of its episodes' (one person
-- watches many), so the load counts it. With it, the people who played only titles of the group
-- that are below the storage floor: the most that the group less its other titles can say about
-- those titles, so that the report can tell whether the group's count would narrow one of them.
-- Grain: one row per (period_kind, period_start, grouping, name). Periods loaded before this
-- migration have no rows until the load recomputes them (the next load that touches one of their
-- days, or `tally load --backfill`).

create table analytics.fact_group_period (
    period_kind text not null check (period_kind in ('week', 'month')),
    period_start date not null,
    grouping text not null check (grouping in ('series', 'genre')),
    name text not null,
    titles integer not null check (titles >= 1),
    viewers integer not null check (viewers >= 0),
    plays integer not null,
    watch_seconds bigint not null,
    small_titles integer not null check (small_titles >= 0),
    small_title_viewers integer not null check (small_title_viewers >= 0),
    small_title_below integer not null check (small_title_below >= 1),
    primary key (period_kind, period_start, grouping, name)
);
alter table analytics.fact_group_period owner to tally_owner;
comment on table analytics.fact_group_period is 'A series'' or a genre''s week or month: distinct profiles with a play of any of its titles. Grain: one row per (period_kind, period_start, grouping, name), for groups with a play in the period. A title belongs to the series and genre of its version as of the period''s last loaded day. Source: the nightly load. Privacy: aggregate; unsuppressed (report.group_totals suppresses).';
comment on column analytics.fact_group_period.period_kind is 'week (ISO, Monday start) or month.';
comment on column analytics.fact_group_period.period_start is 'First day of the period.';
comment on column analytics.fact_group_period.grouping is 'series (dim_title.series_name) or genre (dim_title.genre).';
comment on column analytics.fact_group_period.name is 'The series'' or the genre''s name.';
comment on column analytics.fact_group_period.titles is 'Titles of the group with a play in the period.';
comment on column analytics.fact_group_period.viewers is 'Distinct profiles with a play of any title of the group in the period. Not additive.';
comment on column analytics.fact_group_period.plays is 'Plays of the group''s titles in the period: the sum of their fact_title_period plays.';
comment on column analytics.fact_group_period.watch_seconds is 'Seconds watched of the group''s titles in the period.';
comment on column analytics.fact_group_period.small_titles is 'Titles of the group with 1 to small_title_below - 1 viewers in the period (the title-periods the report hides at k = small_title_below).';
comment on column analytics.fact_group_period.small_title_viewers is 'Distinct profiles who played, of the group''s titles, only those in small_titles in the period. Not additive.';
comment on column analytics.fact_group_period.small_title_below is 'The threshold small_titles and small_title_viewers were counted below: etl.coviewing_floor() at the load.';

grant select, insert, update, delete on analytics.fact_group_period to tally_loader;

-- etl.analyze_facts() analyses it too: the function now lives in R__etl_functions.sql, so that a
-- new fact table is added to it in one place.
