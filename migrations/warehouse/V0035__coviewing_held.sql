-- report.coviewing decides which shown pairs to hold back (I2t, report.held_pairs) from every stored
-- pair of each period: that decision grows with the pairs and their third titles (12 s a read on a
-- demo five times as busy) and changes only when a period's counts or the settings do. The load now
-- keeps each period's decision, with a digest of the inputs it was made from; the view reuses a
-- decision whose digest still matches its inputs and decides the other periods itself.
-- Grain: coviewing_decisions one row per period (week or month) with stored pairs of two shown
-- title-periods; coviewing_held one row per pair a kept decision holds back.

create table analytics.coviewing_decisions (
    period_kind text not null,
    period_start date not null,
    inputs bytea not null,
    primary key (period_kind, period_start)
);
alter table analytics.coviewing_decisions owner to tally_owner;
revoke all on analytics.coviewing_decisions from public;
comment on table analytics.coviewing_decisions is 'I2t decisions kept between loads: per period, the SHA-256 of the inputs report.held_pairs decided it from (analytics.coviewing_pairs); the pairs it holds back are in coviewing_held. Written by etl.refresh_coviewing_held() at the end of each load; a decision whose digest no longer matches is ignored. Emptied and made again when R__report_views.sql is re-applied. Not granted to analysts.';

create table analytics.coviewing_held (
    period_kind text not null,
    period_start date not null,
    a_key integer not null,
    b_key integer not null,
    primary key (period_kind, period_start, a_key, b_key),
    foreign key (period_kind, period_start) references analytics.coviewing_decisions on delete cascade
);
alter table analytics.coviewing_held owner to tally_owner;
revoke all on analytics.coviewing_held from public;
comment on table analytics.coviewing_held is 'The pairs (title keys a_key < b_key) that a kept I2t decision (coviewing_decisions) holds back from report.coviewing. Not granted to analysts.';
