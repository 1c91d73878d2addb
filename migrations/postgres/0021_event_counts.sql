-- A plugin's count of a street's recent events of one item in one community (`stats`
-- `count-events`, e.g. 平湖's flood-season scenario after every event) is answered from this
-- index alone: without it the count read every row of the street's item in the window to test
-- the community and the sequence number, so its cost grew with the burst it was asked about.
create index events_street_item_community_received
    on events (street_code, item_code, community_name, received_at, seq);
