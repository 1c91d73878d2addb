-- How many times the reference data was replaced: running hosts poll it and reload the
-- reference when it moves (an import takes effect without a restart).
create table reference_generation (
    id integer primary key,
    generation bigint not null
);
insert into reference_generation (id, generation) values (1, 0);
