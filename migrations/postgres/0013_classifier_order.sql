-- A street may run several classifiers, one after the other: `run_order` is where a plugin
-- runs among its street's plugins of its kind (lowest first, then by name). Set on deploy.
alter table plugins add column run_order bigint not null default 0;
