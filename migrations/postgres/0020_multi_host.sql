-- Several hosts on one database (issue 12). `generations` counts the changes of a kind that
-- every host must pick up (plugins: deploys, activations, rollbacks, shadow runs ended,
-- configurations); hosts poll it, and PostgreSQL also notifies them at once.
create table generations (
    name text primary key,
    value bigint not null
);
insert into generations (name, value) values ('plugins', 0);

-- Which host runs a street's scenarios, until when: one host per street at a time, so that a
-- street's events are run once and in order; another host takes over when the lease runs out.
create table scenario_lanes (
    street_code text primary key,
    host text not null,
    until bigint not null
);
