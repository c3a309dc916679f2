-- An optional bound on how many titles of a period one person contributes to co-viewing (issue 16):
-- off by default, so that every count stays exact. Which titles a heavy viewer keeps is chosen by a
-- keyed hash of (person, title) under coviewing_choice_key, so reruns choose the same titles and
-- nobody without the key can tell which were left out.
-- Grain: two settings columns.

alter table etl.settings
    add column coviewing_titles_per_person integer check (coviewing_titles_per_person >= 2),
    add column coviewing_choice_key bytea not null
        default decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');
comment on column etl.settings.coviewing_titles_per_person is 'At most this many titles of a week or month count towards a person''s co-viewing pairs, chosen by keyed hash; NULL (default): all, and co-viewing is exact. A bound makes shared_viewers a lower bound for pairs that heavy viewers share. Viewers, plays and every other fact are never bounded.';
comment on column etl.settings.coviewing_choice_key is 'Secret key of the keyed hash that chooses a heavy viewer''s titles under coviewing_titles_per_person. Random per warehouse; readable by tally_loader only.';
