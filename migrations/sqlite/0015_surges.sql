-- Surge warnings (预警监测): an abnormally high count of one item in one community
-- (kind 'item', area a community code) or of one category in one street (kind 'category', area
-- a street code) in a sliding window, against that place's history at the same hours of the
-- week. Times are milliseconds since the Unix epoch.
create table surge_warnings (
    id integer primary key autoincrement,
    kind text not null,
    code text not null,
    area text not null,
    street_code text not null,
    -- The latest abnormal count, what was expected instead, and how likely the count was.
    observed bigint not null,
    expected double precision not null,
    p_value double precision not null,
    window_minutes bigint not null,
    -- The first event of the window in which it was raised; when raised; the latest scan that
    -- still found it abnormal.
    since bigint not null,
    raised_at bigint not null,
    last_seen bigint not null,
    -- open, acknowledged or closed, and who moved it when.
    status text not null,
    acknowledged_by text,
    acknowledged_at bigint,
    closed_by text,
    closed_at bigint
);

-- At most one warning of a key is open or acknowledged: a scan updates it instead of raising
-- another, even when two hosts scan at once.
create unique index surge_warnings_active on surge_warnings (kind, code, area) where status <> 'closed';
create index surge_warnings_status on surge_warnings (status, id);
