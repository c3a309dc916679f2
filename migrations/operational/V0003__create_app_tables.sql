-- The operational source contract (DESIGN.md): accounts, profiles, titles, playback events, ratings.
-- Names and types are the contract between the streaming service and the loader; any column added
-- later must be nullable or have a default. Events and ratings deliberately carry no foreign keys
-- and no value checks: the loader must see invalid input and send it to its reject table.

create table app.accounts (
    account_id uuid primary key,
    email text unique not null,
    full_name text not null,
    date_of_birth date,
    country_code char(2) not null,
    plan text not null,
    created_at timestamptz not null default now(),
    deleted_at timestamptz
);
alter table app.accounts owner to tally_owner;
create index accounts_deleted_at_idx on app.accounts (deleted_at) where deleted_at is not null;

comment on table app.accounts is 'One row per customer account (the paying subscriber). Personal data: RLS enabled and forced.';
comment on column app.accounts.account_id is 'Account identifier, assigned by the service. Privacy class: quasi (links a person''s rows).';
comment on column app.accounts.email is 'Sign-in e-mail address. Privacy class: pii.';
comment on column app.accounts.full_name is 'Name of the account holder. Privacy class: pii.';
comment on column app.accounts.date_of_birth is 'Date of birth of the account holder, if given. Privacy class: pii; the loader sees only etl.profile_attributes.age_band.';
comment on column app.accounts.country_code is 'ISO 3166-1 alpha-2 country of the account. Privacy class: quasi.';
comment on column app.accounts.plan is 'Subscription plan name. Privacy class: quasi.';
comment on column app.accounts.created_at is 'When the account was created. Privacy class: quasi.';
comment on column app.accounts.deleted_at is 'When the account holder asked for erasure; NULL while the account is live. Privacy class: quasi. Deleted accounts reach the loader through etl.erasures.';

create table app.profiles (
    profile_id uuid primary key,
    account_id uuid not null references app.accounts,
    display_name text not null,
    is_kids boolean not null default false,
    created_at timestamptz not null default now()
);
alter table app.profiles owner to tally_owner;
create index profiles_account_id_idx on app.profiles (account_id);

comment on table app.profiles is 'One row per viewer profile within an account. Personal data: RLS enabled and forced.';
comment on column app.profiles.profile_id is 'Profile identifier. Privacy class: quasi (links a person''s events).';
comment on column app.profiles.account_id is 'The account the profile belongs to. Privacy class: quasi.';
comment on column app.profiles.display_name is 'Name shown for the profile, chosen by the viewer. Privacy class: pii.';
comment on column app.profiles.is_kids is 'Whether this is a kids profile. Privacy class: quasi.';
comment on column app.profiles.created_at is 'When the profile was created. Privacy class: quasi.';

create table app.titles (
    title_id integer primary key,
    name text not null,
    kind text not null,
    series_name text,
    genre text,
    release_year integer,
    runtime_seconds integer,
    updated_at timestamptz not null default now()
);
alter table app.titles owner to tally_owner;

comment on table app.titles is 'One row per catalogue title (movie, episode, series, track or album). Not personal data.';
comment on column app.titles.title_id is 'Title identifier. Privacy class: none.';
comment on column app.titles.name is 'Title name as shown in the catalogue. Privacy class: none.';
comment on column app.titles.kind is 'One of movie, episode, series, track, album (not enforced here; the loader rejects other values). Privacy class: none.';
comment on column app.titles.series_name is 'Series an episode belongs to, if any. Privacy class: none.';
comment on column app.titles.genre is 'Catalogue genre. Privacy class: none.';
comment on column app.titles.release_year is 'Year of first release. Privacy class: none.';
comment on column app.titles.runtime_seconds is 'Running time in seconds. Privacy class: none.';
comment on column app.titles.updated_at is 'When the catalogue entry last changed. Privacy class: none.';

create table app.playback_events (
    event_id bigint generated always as identity primary key,
    profile_id uuid not null,
    title_id integer not null,
    started_at timestamptz not null,
    watched_seconds integer not null,
    completed boolean not null,
    device_type text not null,
    country_code char(2) not null,
    ip_address inet,
    user_agent text,
    ingested_at timestamptz not null default now()
);
alter table app.playback_events owner to tally_owner;
create index playback_events_profile_id_idx on app.playback_events (profile_id);

comment on table app.playback_events is 'One row per playback session a profile started, as ingested. Personal data: RLS enabled and forced. Rows are immutable; the loader reads them by event_id within snapshot bounds.';
comment on column app.playback_events.event_id is 'Ingestion order identifier; ids may commit out of order. Privacy class: none.';
comment on column app.playback_events.profile_id is 'The profile that watched (no foreign key: unknown profiles are the loader''s to reject). Privacy class: quasi.';
comment on column app.playback_events.title_id is 'The title watched (no foreign key: unknown titles are the loader''s to reject). Privacy class: none.';
comment on column app.playback_events.started_at is 'When playback started (event time). Privacy class: quasi.';
comment on column app.playback_events.watched_seconds is 'Seconds watched in this session. Privacy class: none.';
comment on column app.playback_events.completed is 'Whether the viewer reached the end. Privacy class: none.';
comment on column app.playback_events.device_type is 'Device class, such as tv, phone, web. Privacy class: quasi.';
comment on column app.playback_events.country_code is 'ISO 3166-1 alpha-2 country the session came from. Privacy class: quasi.';
comment on column app.playback_events.ip_address is 'Client IP address. Privacy class: pii; never granted to the loader.';
comment on column app.playback_events.user_agent is 'Client user agent string. Privacy class: pii; never granted to the loader.';
comment on column app.playback_events.ingested_at is 'When the service stored the event. Privacy class: none.';

create table app.ratings (
    rating_id bigint generated always as identity primary key,
    profile_id uuid not null,
    title_id integer not null,
    thumb smallint not null,
    rated_at timestamptz not null,
    ingested_at timestamptz not null default now()
);
alter table app.ratings owner to tally_owner;
create index ratings_profile_id_idx on app.ratings (profile_id);

comment on table app.ratings is 'One row per thumb a profile gave a title; a change of mind is a new row. Personal data: RLS enabled and forced.';
comment on column app.ratings.rating_id is 'Ingestion order identifier. Privacy class: none.';
comment on column app.ratings.profile_id is 'The profile that rated (no foreign key: unknown profiles are the loader''s to reject). Privacy class: quasi.';
comment on column app.ratings.title_id is 'The title rated. Privacy class: none.';
comment on column app.ratings.thumb is '+1 (up) or -1 (down); other values are the loader''s to reject. Privacy class: none.';
comment on column app.ratings.rated_at is 'When the profile rated (event time). Privacy class: quasi.';
comment on column app.ratings.ingested_at is 'When the service stored the rating. Privacy class: none.';
