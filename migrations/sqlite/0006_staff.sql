-- Sections (科室/中队) and staff of the units, and the person each case is assigned to.
-- Sections and staff are reference data, replaced whole by `streetwise import staff`; skills and
-- areas are JSON text. A case's assignee and section are columns of its event so that a
-- person's open workload is one indexed count, the same on every host sharing the database.
create table sections (
    code text primary key,
    unit_code text not null,
    name text not null,
    skills text not null,
    position bigint not null
);

create table staff (
    id text primary key,
    name text not null,
    unit_code text not null,
    section_code text,
    role text not null,
    skills text not null,
    areas text not null,
    on_duty bigint not null,
    position bigint not null
);

alter table events add column assignee text;
alter table events add column section text;

-- Open cases per assignee: the workload that assignment balances.
create index events_assignee_status on events (assignee, status);

-- The person a timeline entry (re)assigned the case to; null on every other entry, and then
-- left out of the entry's hash so that entries written before this column still verify.
alter table case_timeline add column assignee text;
