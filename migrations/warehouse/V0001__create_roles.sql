-- Group roles of the warehouse.
-- Grain: one NOLOGIN role per line of work; people and services log in as members.
-- Roles are cluster-wide and several databases on one cluster may migrate at once, so each role is
-- created in a block that treats "already exists" or a lost race (unique_violation) as success.

do $$
begin
    create role tally_owner nologin;
    comment on role tally_owner is 'Tally: owns every schema, table and function. No login is a member; only migrations act as it.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_loader nologin;
    comment on role tally_loader is 'Tally: the nightly load (tally load). Writes analytics, etl and private; the only reader of private pseudonymous state.';
exception
    when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
    create role tally_data_steward nologin;
    comment on role tally_data_steward is 'Tally: reads the unsuppressed facts and dimensions in analytics. Never private or etl.';
exception
    when duplicate_object or unique_violation then null;
end
$$;
