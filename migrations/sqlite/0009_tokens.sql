-- Access tokens and the audit log of administrative requests (see host/src/auth).
-- A token is `sw_<id>_<secret>`: only the sha256 of the secret is kept, so the database never
-- holds a usable token. Scope is 'district_admin', 'street_admin' (with its street) or
-- 'read_only' (optionally limited to one street). A revoked token keeps its row.
create table access_tokens (
    id text primary key,
    secret_sha256 text not null,
    scope text not null,
    street_code text,
    label text not null,
    created_at bigint not null,
    created_by text not null,
    revoked_at bigint
);

-- Every refused request (403) and every administrative write that succeeded. `token_id` is
-- 'admin' for the bootstrap admin token; `street_code` is the street the request was about,
-- `token_street` the street the token is limited to. Rows are only ever appended.
create table audit_log (
    id integer primary key autoincrement,
    at bigint not null,
    token_id text not null,
    scope text not null,
    token_street text,
    street_code text,
    action text not null,
    target text not null,
    outcome text not null,
    reason text
);

create index audit_log_street on audit_log (street_code, id);
create index audit_log_token_street on audit_log (token_street, id);
