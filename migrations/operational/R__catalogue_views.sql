-- Views over the PII catalogue that tools and tests query. Grain: one row per column.
-- privacy.unclassified_columns must be empty: every column of every table and view in the data
-- schemas has a row in privacy.column_classification.

create or replace view privacy.unclassified_columns with (security_barrier) as
select
    n.nspname::text as table_schema,
    c.relname::text as table_name,
    a.attname::text as column_name
from pg_catalog.pg_attribute a
join pg_catalog.pg_class c on c.oid = a.attrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname in ('app', 'privacy', 'audit', 'etl')
    and c.relkind in ('r', 'p', 'v', 'm', 'f')
    and a.attnum > 0
    and not a.attisdropped
    and not exists (
        select 1
        from privacy.column_classification k
        where k.table_schema = n.nspname
            and k.table_name = c.relname
            and k.column_name = a.attname
    );
alter view privacy.unclassified_columns owner to tally_owner;

comment on view privacy.unclassified_columns is 'Columns of tables and views in schemas app, privacy, audit and etl that privacy.column_classification does not classify. Must be empty; tally and the tests check it.';
comment on column privacy.unclassified_columns.table_schema is 'Schema of the table or view. Privacy class: none.';
comment on column privacy.unclassified_columns.table_name is 'Table or view name. Privacy class: none.';
comment on column privacy.unclassified_columns.column_name is 'The unclassified column. Privacy class: none.';

grant select on privacy.unclassified_columns
    to tally_app, tally_support, tally_approver_cs, tally_approver_security, tally_auditor, tally_etl_reader;
