-- A first load takes the source's whole history (issue 16), so service_start no longer defaults to
-- 2007-01-01: NULL means no lower bound. A DBA who sets it still has earlier events rejected. The
-- old default is taken for "not set".
-- Grain: one settings column.

alter table etl.settings alter column service_start drop not null, alter column service_start drop default;
update etl.settings set service_start = null where service_start = date '2007-01-01';
comment on column etl.settings.service_start is 'Event times before this date are rejected (before the service existed). NULL (default): no lower bound.';
