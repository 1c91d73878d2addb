-- The learned classifier's models, every version kept; the newest is the one in use.
create table classifier_models (
    version integer primary key autoincrement,
    trained_at bigint not null,
    trained_by text not null,
    catalog_version text not null,
    -- What it was trained on (JSON).
    info text not null,
    -- Its scores on the held-out corpus when it was trained (JSON), if it was evaluated.
    evaluation text,
    model blob not null
);

-- District IT's explicit overrides: a description containing the keyword is the item.
create table classifier_overrides (
    keyword text primary key,
    item_code text not null,
    created_by text not null,
    created_at bigint not null
);

-- The item a person decided a case belongs to (dispatch from the manual queue, or a
-- correction): a training label, newest decision per case.
create table classifier_labels (
    event_id text primary key,
    item_code text not null,
    labelled_by text not null,
    labelled_at bigint not null
);

-- The item a dispatch or correction gave the case, on its timeline entry.
alter table case_timeline add column item text;
