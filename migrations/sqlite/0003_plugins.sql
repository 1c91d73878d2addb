-- Street plugins: every deployed version is kept with its bytes, so any can be reactivated.
create table plugins (
    id integer primary key autoincrement,
    street_code text not null,
    name text not null,
    version bigint not null,
    kind text not null,
    sha256 text not null,
    size bigint not null,
    bytes blob not null,
    deployed_at bigint not null,
    deployed_by text not null,
    active bigint not null default 0,
    unique (street_code, name, version)
);

create index plugins_active on plugins (street_code, active);

-- A plugin's configuration, by street and plugin name, shared by its versions.
create table plugin_configs (
    street_code text not null,
    name text not null,
    body text not null,
    updated_at bigint not null,
    primary key (street_code, name)
);
