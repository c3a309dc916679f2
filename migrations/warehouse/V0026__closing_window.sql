-- A bound on what recomputation reveals (issue 18). Recomputing a past day after an erasure or a
-- late event changes published numbers, and two nightly copies differenced show that change. With
-- a closing window set, a day older than the window is closed: its facts change only through an
-- explicit `tally load --rebuild`, while late events and erasures still update private state.
-- Default NULL (off), so that late data stays exact as before. docs/security.md says what each
-- choice reveals.
-- Grain: one settings column.

alter table etl.settings add column closing_days integer check (closing_days >= 1);
comment on column etl.settings.closing_days is 'Closing window in days: the nightly load recomputes no fact of a day older than this many days before the run (business time zone), so late events and erasures no longer change its published numbers; private state still takes them, and tally load --rebuild recomputes closed days on purpose. Weeks, months and streaks that reach into open days are recomputed with all their days. NULL (default): no closing, every late event is counted exactly.';
