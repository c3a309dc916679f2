-- Schemas of the warehouse, one per trust zone.
--     analytics  dimensions and facts: aggregates only, no row about a person
--     etl        the load's ledger, watermark, settings and rejects (loader only)
--     private    pseudonymous working state the load needs across runs (loader only)

create schema analytics;
alter schema analytics owner to tally_owner;
comment on schema analytics is 'Star schema of dimensions and facts. Every fact row is an aggregate over people; no row is about a person, not even a pseudonymous one. Counts of people here are unsuppressed: analysts read the report schema instead.';

create schema etl;
alter schema etl owner to tally_owner;
comment on schema etl is 'The nightly load''s ledger (runs), watermark, settings and rejects. Readable and writable by tally_loader only. Holds no PII and no pseudonyms.';

create schema private;
alter schema private owner to tally_owner;
comment on schema private is 'Pseudonymous per-person working state (keyed by HMAC-SHA-256 of the profile id, key kept outside both databases). Only tally_loader may read it. Purged past the retention window and for erased accounts.';

revoke all on schema analytics, etl, private from public;
