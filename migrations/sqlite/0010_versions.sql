-- Plugin versions beyond "the active one": a version can run in shadow beside the active one
-- (its decisions recorded, never applied) for a number of events or until a time, and any
-- version can be activated again (rollback). `activated_at` orders rollbacks.
alter table plugins add column notes text;
alter table plugins add column activated_at bigint;
alter table plugins add column shadow bigint not null default 0;
alter table plugins add column shadow_until bigint;
alter table plugins add column shadow_left bigint;

update plugins set activated_at = deployed_at where active = 1;

-- What a shadow version would have decided, beside what the active path decided, per event.
-- `active` and `candidate` are comparable verdicts ("item 14-001 high", "unit x", "fault:trap").
create table shadow_decisions (
    id integer primary key autoincrement,
    street_code text not null,
    name text not null,
    version bigint not null,
    event_id text not null,
    item_code text not null,
    active text not null,
    candidate text not null,
    differs bigint not null,
    fault text,
    micros bigint not null,
    at bigint not null
);

create index shadow_decisions_version on shadow_decisions (street_code, name, version, id);
