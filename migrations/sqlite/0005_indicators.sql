-- Indicators (see host/src/indicators): facts each case accumulates through its lifecycle,
-- kept in the transaction that applies each action, so that rankings are SQL aggregates over
-- events alone. Times are milliseconds since the Unix epoch (UTC); counters count actions.
alter table events add column handled_at bigint;
alter table events add column closed_at bigint;
alter table events add column reworks bigint not null default 0;
alter table events add column reassignments bigint not null default 0;
alter table events add column extensions bigint not null default 0;
alter table events add column satisfied bigint not null default 0;
alter table events add column unsatisfied bigint not null default 0;

-- Cases acted on before this migration: the same facts from their timelines.
update events set
    handled_at = (select max(t.at) from case_timeline t
                  where t.event_id = events.id and t.action = 'finish'),
    closed_at = (select max(t.at) from case_timeline t
                 where t.event_id = events.id and t.to_state = 'closed'),
    reworks = (select count(*) from case_timeline t
               where t.event_id = events.id and t.action = 'verify_fail'),
    reassignments = (select count(*) from case_timeline t
                     where t.event_id = events.id and t.action = 'approve_return'),
    extensions = (select count(*) from case_timeline t
                  where t.event_id = events.id and t.action = 'approve_extension'),
    satisfied = (select count(*) from case_timeline t
                 where t.event_id = events.id and t.action = 'follow_up_satisfied'),
    unsatisfied = (select count(*) from case_timeline t
                   where t.event_id = events.id and t.action = 'follow_up_unsatisfied')
where exists (select 1 from case_timeline t where t.event_id = events.id);

-- One covering index per population of a period, led by the time that selects it, holding
-- both grouping keys and every column its aggregate reads: a ranking over a year reads only
-- these indexes, never the wide event rows (descriptions, traces).
create index events_ind_dispatched on events
    (received_at, street_code, handling_unit, handled_at, reassignments, extensions);
create index events_ind_due on events
    (deadline, street_code, handling_unit, closed_at);
create index events_ind_handled on events
    (handled_at, street_code, handling_unit, deadline, received_at, reworks, satisfied,
     unsatisfied);
