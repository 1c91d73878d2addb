-- The case timeline: every lifecycle transition, appended and never updated or deleted. Each
-- entry carries the sha256 of the one before, so an edited row breaks the chain (see
-- host/src/lifecycle/timeline.rs). The case's current state stays in events.status, moved in
-- the same transaction as each append. Times are milliseconds since the Unix epoch (UTC).
create table case_timeline (
    event_id text not null,
    seq bigint not null,
    actor text not null,
    role text not null,
    action text not null,
    from_state text not null,
    to_state text not null,
    reason text,
    note text,
    unit text,
    at bigint not null,
    prev_hash text not null,
    hash text not null,
    -- One entry per place in a case's chain: two writers can never both append the same one.
    primary key (event_id, seq)
);
