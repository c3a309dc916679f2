-- No login may create objects in schema public of the warehouse either (issue 18): on PostgreSQL 14
-- and older, or a cluster upgraded from one, PUBLIC may, and a function or operator planted there
-- would run inside views that resolve names through the caller's search_path.
-- Grain: one privilege.

revoke create on schema public from public;
