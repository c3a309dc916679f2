-- Every read of PII is logged, superusers and DBAs included (issue 18), by pgaudit's object audit
-- log: a statement is logged when it reads a column that the audit role (pgaudit.role) has SELECT
-- on, whoever runs it. tally_pii_audit is that role; it gets SELECT on every catalogued PII column
-- of a table, and is never granted to anyone. This works once the server preloads pgaudit
-- (shared_preload_libraries = 'pgaudit', docs/security.md); where it does, the extension is created
-- too. `tally check --db operational` and `tally migrate verify` say whether PII reads are audited.
-- Grain: one audit role, its column grants, and this database's pgaudit.role setting.

do $$
begin
    create role tally_pii_audit nologin;
    comment on role tally_pii_audit is 'Tally: the pgaudit object-audit role. Holds SELECT on every PII column so that pgaudit logs every read of one; granted to nobody.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
declare
    c record;
begin
    for c in
        select k.table_schema, k.table_name, k.column_name
        from privacy.column_classification k
        join pg_catalog.pg_class t on t.relname = k.table_name and t.relkind in ('r', 'p')
        join pg_catalog.pg_namespace n on n.oid = t.relnamespace and n.nspname = k.table_schema
        where k.class = 'pii'
    loop
        execute pg_catalog.format('grant usage on schema %I to tally_pii_audit', c.table_schema);
        execute pg_catalog.format('grant select (%I) on %I.%I to tally_pii_audit', c.column_name, c.table_schema, c.table_name);
    end loop;
    execute pg_catalog.format('alter database %I set pgaudit.role = %L', pg_catalog.current_database(), 'tally_pii_audit');
    if 'pgaudit' = any (pg_catalog.string_to_array(pg_catalog.replace(pg_catalog.current_setting('shared_preload_libraries'), ' ', ''), ',')) then
        create extension if not exists pgaudit;
    else
        raise notice 'pgaudit is not preloaded on this server: PII reads are not audited until a DBA adds it to shared_preload_libraries and restarts (docs/security.md)';
    end if;
end
$$;
