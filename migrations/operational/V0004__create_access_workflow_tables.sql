-- The support access workflow's state: requests for one account, and the approvals they collect.
-- Grain: one row per request, one row per approval. Nobody writes these tables directly; only the
-- SECURITY DEFINER functions privacy.request_access, privacy.approve_access and privacy.revoke_access
-- (R__access_functions.sql) change them, running as tally_owner.

create table privacy.access_requests (
    request_id bigint generated always as identity primary key,
    account_id uuid not null references app.accounts on delete cascade,
    requested_by text not null,
    reason text not null
        check (reason in ('legal_investigation', 'data_subject_request', 'fraud', 'customer_contact')),
    ticket text not null check (btrim(ticket) <> ''),
    justification text not null check (btrim(justification) <> ''),
    valid_for interval not null check (valid_for > interval '0' and valid_for <= interval '24 hours'),
    requested_at timestamptz not null default clock_timestamp(),
    granted_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz,
    revoked_by text,
    revoke_reason text,
    constraint access_requests_granted_with_expiry check ((granted_at is null) = (expires_at is null)),
    constraint access_requests_expiry_within_a_day check (expires_at <= granted_at + interval '24 hours'),
    constraint access_requests_revocation_complete
        check ((revoked_at is null) = (revoked_by is null) and (revoked_at is null) = (revoke_reason is null))
);
alter table privacy.access_requests owner to tally_owner;
create index access_requests_requester_idx on privacy.access_requests (requested_by, account_id);
create index access_requests_account_idx on privacy.access_requests (account_id);

comment on table privacy.access_requests is 'One row per request by a support member to read one account. It is an active grant from granted_at (the second approval) until expires_at, unless revoked. Written only by privacy.request_access, approve_access and revoke_access. RLS enabled and forced.';
comment on column privacy.access_requests.request_id is 'Request identifier, returned by privacy.request_access. Privacy class: none.';
comment on column privacy.access_requests.account_id is 'The one account the request is for. Privacy class: quasi.';
comment on column privacy.access_requests.requested_by is 'Login (session_user) of the support member who asked; the grant is for this person only. Privacy class: quasi.';
comment on column privacy.access_requests.reason is 'Reason code: legal_investigation, data_subject_request, fraud or customer_contact. Privacy class: none.';
comment on column privacy.access_requests.ticket is 'Ticket reference in the support or legal system. Privacy class: quasi.';
comment on column privacy.access_requests.justification is 'Free-text justification written by the requester. Privacy class: pii (free text may name the person).';
comment on column privacy.access_requests.valid_for is 'How long the grant lasts once active; more than zero and at most 24 hours. Privacy class: none.';
comment on column privacy.access_requests.requested_at is 'When the request was made (clock time). Requests not fully approved within 24 hours can no longer be approved. Privacy class: none.';
comment on column privacy.access_requests.granted_at is 'When the second approval made the grant active; NULL while pending. Privacy class: none.';
comment on column privacy.access_requests.expires_at is 'granted_at + valid_for; the grant is void from this instant, judged by clock_timestamp(). Privacy class: none.';
comment on column privacy.access_requests.revoked_at is 'When the request or grant was revoked; NULL if never. Privacy class: none.';
comment on column privacy.access_requests.revoked_by is 'Login (session_user) that revoked it. Privacy class: quasi.';
comment on column privacy.access_requests.revoke_reason is 'Why it was revoked, in the revoker''s words. Privacy class: pii (free text).';

create table privacy.access_approvals (
    request_id bigint not null references privacy.access_requests on delete cascade,
    approver text not null,
    approver_function text not null check (approver_function in ('customer_service', 'security')),
    approved_at timestamptz not null default clock_timestamp(),
    primary key (request_id, approver_function),
    constraint access_approvals_one_per_person unique (request_id, approver)
);
alter table privacy.access_approvals owner to tally_owner;

comment on table privacy.access_approvals is 'One row per approval of an access request: at most one from customer service and one from security, by two different people, neither of them the requester. Written only by privacy.approve_access. RLS enabled and forced.';
comment on column privacy.access_approvals.request_id is 'The request approved. Privacy class: none.';
comment on column privacy.access_approvals.approver is 'Login (session_user) of the approver. Privacy class: quasi.';
comment on column privacy.access_approvals.approver_function is 'customer_service (member of tally_approver_cs) or security (member of tally_approver_security). Privacy class: none.';
comment on column privacy.access_approvals.approved_at is 'When the approval was given (clock time). Privacy class: none.';
