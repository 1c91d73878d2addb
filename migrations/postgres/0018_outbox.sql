-- Telling channels what became of their events (issue 11): the webhooks channels register, and
-- the outbox of changes a citizen cares about, written in the transaction of the change and
-- delivered by any host.
create table webhooks (
    id text primary key,
    -- The channel (an event source) whose events this webhook is told about.
    source text not null,
    url text not null,
    -- The HMAC-SHA256 key deliveries are signed with; after a rotation the previous one signs
    -- too until previous_until.
    secret text not null,
    previous_secret text,
    previous_until bigint,
    active bigint not null default 1,
    created_by text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index webhooks_source on webhooks (source);

-- One row per change and webhook. state: pending, delivered or dead (the dead letters).
create table outbox (
    id bigint generated always as identity primary key,
    webhook_id text not null,
    event_id text not null,
    -- The notice's id: the same in every retry (the receiver's idempotency key).
    notice_id text not null,
    change text not null,
    body text not null,
    created_at bigint not null,
    state text not null default 'pending',
    attempts bigint not null default 0,
    next_at bigint not null,
    -- A host delivering the row holds it until claimed_until; another host takes it over only
    -- after that.
    claimed_by text,
    claimed_until bigint,
    delivered_at bigint,
    last_error text
);
-- The delivery worker's scan, and each case's order per webhook.
create index outbox_pending on outbox (next_at) where state = 'pending';
create index outbox_case on outbox (webhook_id, event_id, id);
create index outbox_state on outbox (state, id);
