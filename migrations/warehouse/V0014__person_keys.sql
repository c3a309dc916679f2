-- Private rows carry a small person key instead of the 32-byte pseudonym. private.people holds
-- each pseudonym once, with its key and the last day it has activity; private.activity rows name
-- the key. The pseudonym stays the only link to a profile (erasure finds a person by it), and the
-- key means nothing outside this schema. Each activity row is 28 bytes smaller, and reading state
-- back maps integers instead of hashing pseudonyms (bench/RESULTS.md).
-- Grain: private.people, one row per pseudonym with activity inside the retention window.

create table private.people (
    person_key integer primary key,
    pseudonym bytea not null unique check (octet_length(pseudonym) = 32),
    last_day date not null
);
alter table private.people owner to tally_owner;
comment on table private.people is 'One row per pseudonymous profile with private state: the small key private.activity rows carry. Restricted: tally_loader only. Deleted with the person''s activity when the account is erased, and once last_day falls out of the retention window.';
comment on column private.people.person_key is 'Key of the person in private.activity; assigned by tally load (max + 1 in pseudonym order) and never reused while the row lives.';
comment on column private.people.pseudonym is 'HMAC-SHA-256(profile id) under the operator''s key. Not reversible without the key, which never enters a database.';
comment on column private.people.last_day is 'The latest day of the person''s activity rows; once it is before the retention cutoff, so are all their rows.';
revoke all on private.people from public;
grant select, insert, update, delete on private.people to tally_loader;

insert into private.people (person_key, pseudonym, last_day)
select row_number() over (order by pseudonym), pseudonym, max(day) from private.activity group by pseudonym;

alter table private.activity add column person_key integer;
update private.activity a set person_key = p.person_key from private.people p where p.pseudonym = a.pseudonym;
alter table private.activity alter column person_key set not null;
alter table private.activity drop column pseudonym;
comment on column private.activity.person_key is 'The person (private.people.person_key).';
comment on table private.activity is 'Per pseudonymous person (private.people) per day, title and segment: counts the facts are recomputed from. Append-only: each run adds its rows, and rows with the same key add up. Restricted: tally_loader only. Rows older than retention_days and rows of erased profiles are deleted by the load.';
