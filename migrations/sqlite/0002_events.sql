-- Events with everything decided about them. One row per event, written in one multi-row
-- insert per group commit. Times are milliseconds since the Unix epoch (UTC).
create table events (
    seq integer primary key autoincrement,
    id text not null unique,
    source text not null,
    external_id text,
    description text not null,
    reported_at bigint not null,
    received_at bigint not null,
    street_code text not null,
    street_name text not null,
    community_code text,
    community_name text,
    grid text,
    lat double precision,
    lon double precision,
    address text,
    reporter_name text,
    reporter_phone text,
    attributes text not null,
    parent_id text,
    status text not null,
    item_code text not null,
    category_code text not null,
    priority text not null,
    classification text not null,
    owner_unit text not null,
    handling_unit text not null,
    deadline bigint not null,
    dispatch text not null,
    trace text not null,
    scenarios_done bigint not null default 0,
    unique (source, external_id)
);

-- Listing a street's events newest first, and the plugins' recent-event counts.
create index events_street_received on events (street_code, received_at);
create index events_street_item_received on events (street_code, item_code, received_at);
create index events_received on events (received_at);
-- Scenario runs still owed after a restart.
create index events_scenarios_pending on events (scenarios_done, seq);

-- Actions scenario plugins asked for, in the order they were carried out.
create table event_actions (
    id integer primary key autoincrement,
    event_id text not null,
    plugin text not null,
    kind text not null,
    body text not null,
    created_at bigint not null
);

create index event_actions_event on event_actions (event_id, id);
