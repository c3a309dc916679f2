-- What the nightly loader (tally_etl_reader) reads beyond its column grants, generalised here so
-- that no PII leaves this database: profile attributes with an age band instead of the date of
-- birth, and erasures. Grain: one row per profile (profile_attributes); one row per profile of a
-- deleted account, or one row with a NULL profile_id for a deleted account without profiles
-- (erasures).
--
-- The views belong to tally_owner, so they read the app tables as the owner (whose policy shows all
-- rows) and the loader needs no privilege on date_of_birth. security_barrier keeps the loader's own
-- WHERE functions from running before the views' filters.

create or replace function etl.age_band(date_of_birth date, on_day date)
    returns text
    language sql
    immutable
    -- A SQL-standard body: its names are resolved when the migration creates it, not in a caller's
    -- search_path, and every operator in it takes integers, for which pg_catalog (searched first)
    -- has an exact match: no operator planted in a schema can see a date of birth. With no SET
    -- clause, the planner inlines it (a quoted body with a pinned search_path cost 12 us a call,
    -- and etl.profile_attributes 2.5 s at 200,000 profiles: bench/RESULTS.md).
    -- By birth year, as the age on 1 January of on_day's year of everyone born in that year (but on
    -- 1 January itself): all of them change band on the same day, so no band change dates a birthday.
    return case
        when date_of_birth is null or on_day is null
            or extract(year from date_of_birth)::integer > extract(year from on_day)::integer then 'unknown'
        when extract(year from on_day)::integer - extract(year from date_of_birth)::integer - 1 < 13 then 'under_13'
        when extract(year from on_day)::integer - extract(year from date_of_birth)::integer - 1 < 18 then '13_17'
        when extract(year from on_day)::integer - extract(year from date_of_birth)::integer - 1 < 25 then '18_24'
        when extract(year from on_day)::integer - extract(year from date_of_birth)::integer - 1 < 35 then '25_34'
        when extract(year from on_day)::integer - extract(year from date_of_birth)::integer - 1 < 45 then '35_44'
        when extract(year from on_day)::integer - extract(year from date_of_birth)::integer - 1 < 55 then '45_54'
        when extract(year from on_day)::integer - extract(year from date_of_birth)::integer - 1 < 65 then '55_64'
        else '65_plus'
    end;
alter function etl.age_band(date, date) owner to tally_owner;
comment on function etl.age_band(date, date) is 'Age band in a day''s year, by birth year: the band of the age on 1 January of that year of everyone born in the birth year (year - birth year - 1), so that a band changes on 1 January for all born in a year and never on a birthday. under_13, 13_17, 18_24, 25_34, 35_44, 45_54, 55_64, 65_plus, or unknown (no date of birth, or born after that year). Its SQL-standard body was resolved when it was created, to operators of pg_catalog: no operator planted in the caller''s path can see a date of birth. A pure function; the loader can call it but has no date of birth to give it.';

create or replace view etl.profile_attributes with (security_barrier) as
select
    p.profile_id,
    p.account_id,
    p.is_kids,
    a.plan,
    a.country_code,
    etl.age_band(a.date_of_birth, (pg_catalog.now() at time zone 'UTC')::date) as age_band
from app.profiles p
join app.accounts a on a.account_id = p.account_id;
alter view etl.profile_attributes owner to tally_owner;

comment on view etl.profile_attributes is 'One row per profile: the non-PII attributes the warehouse dimensions need, with the account holder''s age band (by birth year, in the current UTC year) instead of the date of birth. Profiles of deleted accounts are included; etl.erasures says which they are.';
comment on column etl.profile_attributes.profile_id is 'Profile identifier (app.profiles.profile_id). Privacy class: quasi.';
comment on column etl.profile_attributes.account_id is 'Account of the profile. Privacy class: quasi.';
comment on column etl.profile_attributes.is_kids is 'Whether this is a kids profile. Privacy class: quasi.';
comment on column etl.profile_attributes.plan is 'Subscription plan of the account. Privacy class: quasi.';
comment on column etl.profile_attributes.country_code is 'Country of the account. Privacy class: quasi.';
comment on column etl.profile_attributes.age_band is 'Age band of the account holder in the current year (UTC), by birth year, from etl.age_band: under_13, 13_17, 18_24, 25_34, 35_44, 45_54, 55_64, 65_plus or unknown. Privacy class: quasi.';

create or replace view etl.erasures with (security_barrier) as
select
    a.account_id,
    p.profile_id,
    a.deleted_at
from app.accounts a
left join app.profiles p on p.account_id = a.account_id
where a.deleted_at is not null
union all
-- Hard deletes, which leave no row above: each profile and account deleted, from the trigger log.
select l.account_id, l.profile_id, l.at
from etl.erasure_log l
where l.cause <> 'account_marked_deleted';
alter view etl.erasures owner to tally_owner;

comment on view etl.erasures is 'Accounts whose holders asked for erasure, with each of their profiles (profile_id NULL for an account without profiles), and every profile or account deleted outright (from etl.erasure_log, written by triggers). The loader purges its restricted state for these.';
comment on column etl.erasures.account_id is 'The deleted account. Privacy class: quasi.';
comment on column etl.erasures.profile_id is 'A profile of the deleted account, or NULL if it has none. Privacy class: quasi.';
comment on column etl.erasures.deleted_at is 'When erasure was asked for, or when the row was deleted. Privacy class: quasi.';

revoke all on function etl.age_band(date, date) from public;
grant execute on function etl.age_band(date, date) to tally_etl_reader;
grant select on etl.profile_attributes, etl.erasures to tally_etl_reader;
