-- The loader's exactly-once marker on the event tables: the id of the transaction that wrote each row.
-- A row is new for a load exactly when this xid is not visible in the previous load's snapshot, so
-- an event whose transaction commits after a higher event id was already loaded is still picked up
-- once. The column has a default, as the source contract requires of added columns, so the
-- streaming service's inserts do not change. Grain: one value per event or rating.

alter table app.playback_events add column load_xid xid8 not null default pg_catalog.pg_current_xact_id();
alter table app.ratings add column load_xid xid8 not null default pg_catalog.pg_current_xact_id();
create index playback_events_load_xid on app.playback_events (load_xid);
create index ratings_load_xid on app.ratings (load_xid);

comment on column app.playback_events.load_xid is 'Transaction that inserted the event (pg_current_xact_id()); the loader extracts rows whose xid its previous snapshot could not see. Privacy class: none.';
comment on column app.ratings.load_xid is 'Transaction that inserted the rating; see app.playback_events.load_xid. Privacy class: none.';

grant select (load_xid) on app.playback_events, app.ratings to tally_etl_reader;

insert into privacy.column_classification (table_schema, table_name, column_name, class) values
    ('app', 'playback_events', 'load_xid', 'none'),
    ('app', 'ratings', 'load_xid', 'none');
