-- A title's week or month broken down by one audience dimension at a time (issue 17): device class,
-- region, age band, plan, kids. A day's segment (device x country x age band x plan x kids) rarely
-- holds k people; a title's month on TV, or among 25-34s, often does. Stored for title-periods with
-- at least the storage floor of viewers (etl.coviewing_floor()), every value of each dimension.
-- Grain: one row per (period_kind, period_start, title_key, dimension, value).

create table analytics.fact_title_period_breakdown (
    period_kind text not null check (period_kind in ('week', 'month')),
    period_start date not null,
    title_key integer not null,
    dimension text not null check (dimension in ('device_class', 'region', 'age_band', 'plan', 'kids')),
    value text not null,
    viewers integer not null,
    plays integer not null,
    completed_plays integer not null,
    watch_seconds bigint not null,
    primary key (period_kind, period_start, title_key, dimension, value)
);
alter table analytics.fact_title_period_breakdown owner to tally_owner;
comment on table analytics.fact_title_period_breakdown is 'A title''s week or month by one audience dimension at a time. Grain: one row per (period_kind, period_start, title_key, dimension, value), for title-periods with at least etl.coviewing_floor() viewers. Source: the nightly load. Privacy: aggregate; unsuppressed (report.title_breakdown suppresses).';
comment on column analytics.fact_title_period_breakdown.period_kind is 'week (ISO, Monday start) or month.';
comment on column analytics.fact_title_period_breakdown.period_start is 'First day of the period.';
comment on column analytics.fact_title_period_breakdown.title_key is 'The title version (dim_title) as of the period''s last loaded day.';
comment on column analytics.fact_title_period_breakdown.dimension is 'device_class, region, age_band, plan or kids.';
comment on column analytics.fact_title_period_breakdown.value is 'The value: a device class (tv, mobile, ...), a region, an age band, a plan, or kids / adults.';
comment on column analytics.fact_title_period_breakdown.viewers is 'Distinct profiles with a play of the title in the period with that value. Within age_band, plan and kids the values nearly partition the viewers; a person on two devices or in two regions counts in both.';
comment on column analytics.fact_title_period_breakdown.plays is 'Plays with that value. Additive across the values of one dimension.';
comment on column analytics.fact_title_period_breakdown.completed_plays is 'Plays watched to the end with that value. Additive.';
comment on column analytics.fact_title_period_breakdown.watch_seconds is 'Seconds watched with that value. Additive.';

grant select, insert, update, delete on analytics.fact_title_period_breakdown to tally_loader;
grant select on analytics.fact_title_period_breakdown to tally_data_steward;
