-- The whole audience of each week and month: distinct profiles with any play in the period.
-- It makes report.coviewing's lift exact (lift = shared x audience / (viewers_a x viewers_b)).
-- Grain: one row per (period_kind, period_start) with a play.

create table analytics.fact_period_audience (
    period_kind text not null check (period_kind in ('week', 'month')),
    period_start date not null,
    viewers integer not null,
    primary key (period_kind, period_start)
);
alter table analytics.fact_period_audience owner to tally_owner;
comment on table analytics.fact_period_audience is 'Distinct people who played anything in an ISO week or calendar month. Grain: one row per (period_kind, period_start). Source: the nightly load, recomputed with the period. Privacy: aggregate; unsuppressed.';
comment on column analytics.fact_period_audience.period_kind is 'week or month.';
comment on column analytics.fact_period_audience.period_start is 'First day of the period.';
comment on column analytics.fact_period_audience.viewers is 'Distinct profiles with at least one play in the period. Exact; not additive.';

grant select, insert, update, delete on analytics.fact_period_audience to tally_loader;
grant select on analytics.fact_period_audience to tally_data_steward;
