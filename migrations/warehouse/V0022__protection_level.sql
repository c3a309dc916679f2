-- The protection level of linked-table suppression (issue 17): the narrowest range an analyst may be
-- able to derive for a hidden count of people by combining published counts. NULL (default) means
-- ceil(k / 2), as tau-ARGUS suggests for a threshold rule; a DBA may raise it.
-- Grain: one settings column.

alter table report.settings add column protection integer check (protection >= 1);
comment on column report.settings.protection is 'Protection level: the report views never let published counts narrow a hidden count of people (fewer than k) to a range of fewer than this many values (docs/analysts.md lists the identities). NULL (default): ceil(k / 2).';
