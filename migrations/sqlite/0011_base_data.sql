-- The district's shared base data (基础数据): buildings with their addresses, housing use and
-- population, and the legal entities registered at them. Street plugins read them for the
-- event being decided, within their own street, only when their deployment grants the data
-- set (plugins.grants, a comma-separated list such as 'buildings,entities').
create table buildings (
    id text primary key,
    street_code text not null,
    community_code text not null,
    grid text,
    address text not null,
    name text,
    lat double precision not null,
    lon double precision not null,
    use_kind text not null,
    floors bigint not null,
    rental_units bigint not null,
    households bigint not null,
    population bigint not null
);

create index buildings_street_address on buildings (street_code, address);
create index buildings_street_position on buildings (street_code, lat, lon);

create table legal_entities (
    id text primary key,
    building_id text not null,
    street_code text not null,
    name text not null,
    kind text not null,
    small_venue bigint not null
);

create index legal_entities_building on legal_entities (building_id);

alter table plugins add column grants text not null default '';
