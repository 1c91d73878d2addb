-- Case clocks and their timers (see host/src/timers). Times are milliseconds since the Unix
-- epoch; budgets and remaining time are seconds of the clock's measure ('elapsed' for urgent
-- hours and calendar days, 'working' for working hours and days). `timer_at` is when the
-- case's next timer is due (null when none is): the timer scan reads only the index on it.
-- `rev` counts every write of a case's state; a transition or a timer writes only if `rev` is
-- still what it read, so no timer fires twice, whichever host fires it.
alter table events add column clock_measure text not null default 'elapsed';
alter table events add column clock_budget bigint not null default 0;
alter table events add column clock_started_at bigint;
alter table events add column clock_remaining bigint;
alter table events add column warn_at bigint;
alter table events add column alert text not null default 'none';
alter table events add column supervision_level bigint not null default 0;
alter table events add column timer_at bigint;
alter table events add column rev bigint not null default 0;

-- Cases stored before clocks existed: their deadline counted from receipt on the wall clock,
-- warned at 80% of it; stopped cases keep no time.
update events set
    clock_budget = (deadline - received_at) / 1000,
    clock_started_at = received_at;
update events set
    warn_at = received_at + (deadline - received_at) * 4 / 5,
    timer_at = received_at + (deadline - received_at) * 4 / 5
where status in ('dispatched', 'signed', 'in_progress', 'return_requested', 'extension_requested');
update events set clock_remaining = 0
where status not in ('dispatched', 'signed', 'in_progress', 'return_requested', 'extension_requested');

create index events_timer on events (timer_at) where timer_at is not null;

-- The deadline a timeline entry set, when it moved it (sign-for, extension, unparking...).
alter table case_timeline add column deadline bigint;
