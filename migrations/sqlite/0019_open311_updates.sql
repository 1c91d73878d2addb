-- Open311 service request updates (mySociety's GeoReport v2 extension): what a citizen adds to
-- their own request through a channel (POST servicerequestupdates), kept beside the case and
-- never in its verified timeline, and the index the updates feed reads the timeline by.
-- Times are milliseconds since the Unix epoch. The citizen's name, email and phone that a
-- client such as FixMyStreet sends with an update are not kept.
create table citizen_updates (
    id text primary key,
    event_id text not null,
    -- The token that posted it, and the channel's own id for the update (FixMyStreet's
    -- comment id): a channel that sends the same update again gets the same update_id back.
    submitted_by text not null,
    channel_update_id text,
    -- The state the citizen's client reported with it (open, closed, fixed, ...).
    status text not null,
    description text not null,
    media_url text,
    updated_at bigint not null,
    received_at bigint not null,
    unique (submitted_by, channel_update_id)
);
create index citizen_updates_event on citizen_updates (event_id);
create index case_timeline_at on case_timeline (at);
