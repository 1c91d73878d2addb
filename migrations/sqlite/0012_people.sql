-- People sign in (see host/src/auth): an account per person of the staff directory, browser
-- sessions, tokens that may be tied to a person or limited to intake channels, and the retention
-- timer of reporters' personal data. Times are milliseconds since the Unix epoch.

-- `username` is what the person types (the staff id by default). Only an argon2 hash of the
-- password is kept. `must_change` is set by a one-time password that district IT handed over;
-- `failed_attempts` and `locked_until` carry the back-off after repeated wrong passwords.
create table accounts (
    staff_id text primary key,
    username text not null unique,
    password_hash text not null,
    must_change bigint not null default 1,
    failed_attempts bigint not null default 0,
    locked_until bigint,
    disabled_at bigint,
    created_at bigint not null,
    created_by text not null,
    password_set_at bigint not null,
    last_sign_in_at bigint
);

-- A browser session: the cookie holds the secret, the table its sha256. `csrf` is the token a
-- state-changing request must echo. A session ends at `idle_expires_at` (pushed on use), at
-- `expires_at` (fixed at sign-in), or when `ended_at` is set by signing out.
create table sessions (
    id_sha256 text primary key,
    staff_id text not null references accounts (staff_id),
    csrf text not null,
    created_at bigint not null,
    last_seen_at bigint not null,
    idle_expires_at bigint not null,
    expires_at bigint not null,
    ended_at bigint
);
create index sessions_staff on sessions (staff_id);

-- A token may act as one person (`staff` scope: an integration such as the inspectors' app) or
-- only submit events from the sources it names (`channel` scope, comma-separated).
alter table access_tokens add column staff_id text;
alter table access_tokens add column sources text;

-- When a closed or rejected case's reporter name and phone are erased (null while open or once
-- erased), and when they were.
alter table events add column erase_personal_at bigint;
alter table events add column personal_erased_at bigint;
create index events_erase_personal on events (erase_personal_at) where erase_personal_at is not null;

-- Who the audit log names: the person (staff id) behind a session or a person's token.
alter table audit_log add column staff_id text;
alter table audit_log add column event_id text;
create index audit_log_event on audit_log (event_id, id);
