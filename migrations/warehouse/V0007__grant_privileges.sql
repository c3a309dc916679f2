-- Who may do what in the warehouse. Everything is revoked from PUBLIC first; the loader gets exactly
-- what tally load needs, the data steward reads analytics, and nobody else reads private or etl.

revoke all on all tables in schema analytics, etl, private from public;

grant usage on schema analytics, etl, private to tally_loader;
grant select, insert, update, delete on all tables in schema analytics to tally_loader;
grant select, insert, update, delete on all tables in schema private to tally_loader;
grant select, insert, update on etl.runs, etl.watermark, etl.rejects to tally_loader;
grant select on etl.settings to tally_loader;

grant usage on schema analytics to tally_data_steward;
grant select on all tables in schema analytics to tally_data_steward;

-- Partitions the load creates later belong to tally_owner; reads and writes go through the parent
-- tables, whose grants apply to every partition.
alter default privileges for role tally_owner in schema analytics grant select on tables to tally_data_steward;
alter default privileges for role tally_owner in schema analytics grant select, insert, update, delete on tables to tally_loader;
