-- Open cases per person, kept up to date in the same transactions that store, close, reject or
-- reassign cases, so that assignment reads a handful of counters instead of counting cases.
create table staff_workloads (
    staff_id text primary key,
    open_cases bigint not null
);

insert into staff_workloads (staff_id, open_cases)
select assignee, count(*) from events
where assignee is not null and status <> 'closed' and status <> 'rejected'
group by assignee;
