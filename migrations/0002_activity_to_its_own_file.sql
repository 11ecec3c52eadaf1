-- The activity log moves to its own file (activity.db, attached as `log`): its writes, one batch
-- every 100 ms while requests arrive, no longer change this file, so readers of the directory
-- keep their caches. The history kept here so far is dropped with the table.
DROP INDEX activity_source;
DROP TABLE activity;
