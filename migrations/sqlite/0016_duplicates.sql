-- Probable duplicates (合并). `duplicate_of`: the open case a report looked like at intake;
-- `merged_into`: the case the centre merged it into, while it is merged.
alter table events add column duplicate_of text;
alter table events add column merged_into text;

-- Intake's search for open cases of a category near a new report in time.
create index events_category_received on events (category_code, received_at);
-- A case's merged reports.
create index events_merged_into on events (merged_into);
