-- Reference data: the district's areas, units, event catalog, responsibility list and working
-- calendar. Replaced as whole sets by `streetwise import`; lists are JSON text.
create table district (
    code text primary key,
    name text not null,
    min_lat double precision not null,
    max_lat double precision not null,
    min_lon double precision not null,
    max_lon double precision not null
);

create table streets (
    code text primary key,
    slug text not null unique,
    name text not null,
    name_en text,
    lat double precision not null,
    lon double precision not null,
    position bigint not null
);

create table communities (
    code text primary key,
    street_code text not null,
    name text not null,
    position bigint not null
);

create table units (
    code text primary key,
    name text not null,
    kind text not null,
    street_code text,
    role text,
    community_code text
);

create table catalog_meta (
    id bigint primary key,
    version text not null,
    fallback_item text not null
);

create table categories (
    code text primary key,
    name text not null,
    name_en text,
    position bigint not null
);

create table items (
    code text primary key,
    category_code text not null,
    name text not null,
    name_en text,
    keywords text not null,
    limit_value bigint not null,
    limit_unit text not null,
    priority text not null,
    requirements text not null,
    position bigint not null
);

create table responsibilities (
    item_code text not null,
    area text not null,
    owner_unit text not null,
    handling text not null,
    limit_value bigint,
    limit_unit text,
    primary key (item_code, area)
);

create table calendar_years (
    year bigint primary key,
    body text not null
);
