-- The analysts' side of the warehouse: the report schema, the tally_analyst role and the
-- suppression setting k that every report view reads.
-- Grain: report.settings one row. The views themselves live in R__report_views.sql.
--
-- Trust model. Report views are owned by tally_owner and run with the owner's privileges, so an
-- analyst needs no privilege on analytics: tally_analyst may read the report schema and nothing
-- else (analytics, etl and private revoke everything from PUBLIC in V0002/V0007). The analyst
-- writes nowhere: no INSERT/UPDATE/DELETE/TRUNCATE on report, no CREATE in any schema, and no
-- TEMPORARY on the warehouse database (PUBLIC loses it below; the load and the data steward keep it).

do $$
begin
    create role tally_analyst nologin;
    comment on role tally_analyst is 'Tally: analysts on psql. Reads the report schema only (suppressed aggregates); no analytics, etl or private; writes nothing.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

create schema report;
alter schema report owner to tally_owner;
comment on schema report is 'What analysts read: views over the analytics facts in which every count of people is at least k (report.settings) or NULL, with complementary suppression where a published total could give a hidden cell away. Start with \dv+ report.* and \d+ report.title_daily. Guide: docs/analysts.md; examples: sql/examples/.';
revoke all on schema report from public;

create table report.settings (
    singleton boolean primary key default true check (singleton),
    k integer not null default 11 check (k >= 2)
);
alter table report.settings owner to tally_owner;
insert into report.settings default values;
comment on table report.settings is 'Suppression settings, one row. Every report view reads it at query time, so a change applies at once. Readable by analysts (so a NULL can be explained); changeable only by a DBA: update report.settings set k = 15;';
comment on column report.settings.singleton is 'Always true: the table holds exactly one row.';
comment on column report.settings.k is 'Smallest count of people a report view shows (default 11: no cell holds 1-10 people, as in the CMS cell-size rule). Smaller counts show as NULL with suppressed = true. At least 2.';

revoke all on report.settings from public;
grant usage on schema report to tally_analyst;
grant select on report.settings to tally_analyst;

-- No temporary objects for analysts either: TEMPORARY is a database privilege that PUBLIC holds by
-- default, so it is revoked from PUBLIC and given back to the roles that need scratch tables
-- (the load stages its input in pg_temp).
do $$
begin
    execute format('revoke temporary on database %I from public', current_database());
    execute format('grant temporary on database %I to tally_loader, tally_data_steward, tally_owner', current_database());
end
$$;
