-- The PII catalogue: the privacy class of every column of every table and view in the data schemas
-- (app, privacy, audit, etl). Grain: one row per column.
--     pii    identifies a person directly or is sensitive on its own (e-mail, name, date of birth,
--            display name, IP address, user agent, free text); never granted to the loader
--     quasi  does not name anybody but links or narrows down a person's rows (ids, dates, country)
--     none   not about a person
-- Tools and tests read it: privacy.unclassified_columns (R__catalogue_views.sql) must stay empty,
-- so a migration that adds a column adds its row here too.

create table privacy.column_classification (
    table_schema text not null,
    table_name text not null,
    column_name text not null,
    class text not null check (class in ('pii', 'quasi', 'none')),
    primary key (table_schema, table_name, column_name)
);
alter table privacy.column_classification owner to tally_owner;

comment on table privacy.column_classification is 'PII catalogue: one row per column of every table and view in schemas app, privacy, audit and etl, with its privacy class (pii, quasi, none). Not personal data itself.';
comment on column privacy.column_classification.table_schema is 'Schema of the table or view. Privacy class: none.';
comment on column privacy.column_classification.table_name is 'Table or view name. Privacy class: none.';
comment on column privacy.column_classification.column_name is 'Column name. Privacy class: none.';
comment on column privacy.column_classification.class is 'pii, quasi or none (see the file header of V0006__create_column_classification.sql). Privacy class: none.';

insert into privacy.column_classification (table_schema, table_name, column_name, class) values
    ('app', 'accounts', 'account_id', 'quasi'),
    ('app', 'accounts', 'email', 'pii'),
    ('app', 'accounts', 'full_name', 'pii'),
    ('app', 'accounts', 'date_of_birth', 'pii'),
    ('app', 'accounts', 'country_code', 'quasi'),
    ('app', 'accounts', 'plan', 'quasi'),
    ('app', 'accounts', 'created_at', 'quasi'),
    ('app', 'accounts', 'deleted_at', 'quasi'),

    ('app', 'profiles', 'profile_id', 'quasi'),
    ('app', 'profiles', 'account_id', 'quasi'),
    ('app', 'profiles', 'display_name', 'pii'),
    ('app', 'profiles', 'is_kids', 'quasi'),
    ('app', 'profiles', 'created_at', 'quasi'),

    ('app', 'titles', 'title_id', 'none'),
    ('app', 'titles', 'name', 'none'),
    ('app', 'titles', 'kind', 'none'),
    ('app', 'titles', 'series_name', 'none'),
    ('app', 'titles', 'genre', 'none'),
    ('app', 'titles', 'release_year', 'none'),
    ('app', 'titles', 'runtime_seconds', 'none'),
    ('app', 'titles', 'updated_at', 'none'),

    ('app', 'playback_events', 'event_id', 'none'),
    ('app', 'playback_events', 'profile_id', 'quasi'),
    ('app', 'playback_events', 'title_id', 'none'),
    ('app', 'playback_events', 'started_at', 'quasi'),
    ('app', 'playback_events', 'watched_seconds', 'none'),
    ('app', 'playback_events', 'completed', 'none'),
    ('app', 'playback_events', 'device_type', 'quasi'),
    ('app', 'playback_events', 'country_code', 'quasi'),
    ('app', 'playback_events', 'ip_address', 'pii'),
    ('app', 'playback_events', 'user_agent', 'pii'),
    ('app', 'playback_events', 'ingested_at', 'none'),

    ('app', 'ratings', 'rating_id', 'none'),
    ('app', 'ratings', 'profile_id', 'quasi'),
    ('app', 'ratings', 'title_id', 'none'),
    ('app', 'ratings', 'thumb', 'none'),
    ('app', 'ratings', 'rated_at', 'quasi'),
    ('app', 'ratings', 'ingested_at', 'none'),

    ('privacy', 'access_requests', 'request_id', 'none'),
    ('privacy', 'access_requests', 'account_id', 'quasi'),
    ('privacy', 'access_requests', 'requested_by', 'quasi'),
    ('privacy', 'access_requests', 'reason', 'none'),
    ('privacy', 'access_requests', 'ticket', 'quasi'),
    ('privacy', 'access_requests', 'justification', 'pii'),
    ('privacy', 'access_requests', 'valid_for', 'none'),
    ('privacy', 'access_requests', 'requested_at', 'none'),
    ('privacy', 'access_requests', 'granted_at', 'none'),
    ('privacy', 'access_requests', 'expires_at', 'none'),
    ('privacy', 'access_requests', 'revoked_at', 'none'),
    ('privacy', 'access_requests', 'revoked_by', 'quasi'),
    ('privacy', 'access_requests', 'revoke_reason', 'pii'),

    ('privacy', 'access_approvals', 'request_id', 'none'),
    ('privacy', 'access_approvals', 'approver', 'quasi'),
    ('privacy', 'access_approvals', 'approver_function', 'none'),
    ('privacy', 'access_approvals', 'approved_at', 'none'),

    ('privacy', 'column_classification', 'table_schema', 'none'),
    ('privacy', 'column_classification', 'table_name', 'none'),
    ('privacy', 'column_classification', 'column_name', 'none'),
    ('privacy', 'column_classification', 'class', 'none'),

    -- view, R__catalogue_views.sql
    ('privacy', 'unclassified_columns', 'table_schema', 'none'),
    ('privacy', 'unclassified_columns', 'table_name', 'none'),
    ('privacy', 'unclassified_columns', 'column_name', 'none'),

    ('audit', 'access_log', 'entry_id', 'none'),
    ('audit', 'access_log', 'at', 'none'),
    ('audit', 'access_log', 'actor', 'quasi'),
    ('audit', 'access_log', 'action', 'none'),
    ('audit', 'access_log', 'outcome', 'none'),
    ('audit', 'access_log', 'account_id', 'quasi'),
    ('audit', 'access_log', 'request_id', 'none'),
    ('audit', 'access_log', 'relation', 'none'),
    ('audit', 'access_log', 'detail', 'pii'),
    ('audit', 'access_log', 'statement', 'pii'),
    ('audit', 'access_log', 'statement_token', 'none'),
    ('audit', 'access_log', 'backend_pid', 'none'),
    ('audit', 'access_log', 'transaction_id', 'none'),

    ('audit', 'writer_settings', 'singleton', 'none'),
    ('audit', 'writer_settings', 'host', 'none'),
    ('audit', 'writer_settings', 'port', 'none'),

    -- views, R__etl_views.sql
    ('etl', 'profile_attributes', 'profile_id', 'quasi'),
    ('etl', 'profile_attributes', 'account_id', 'quasi'),
    ('etl', 'profile_attributes', 'is_kids', 'quasi'),
    ('etl', 'profile_attributes', 'plan', 'quasi'),
    ('etl', 'profile_attributes', 'country_code', 'quasi'),
    ('etl', 'profile_attributes', 'age_band', 'quasi'),

    ('etl', 'erasures', 'account_id', 'quasi'),
    ('etl', 'erasures', 'profile_id', 'quasi'),
    ('etl', 'erasures', 'deleted_at', 'quasi');
