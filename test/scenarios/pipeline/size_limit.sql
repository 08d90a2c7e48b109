-- a size-limited tier: moved partitions are re-encoded, REBALANCE repeats until the plan is empty
SET interval TO 10;
CREATE STORAGE hot;
CREATE STORAGE cold (compression 'none');
ALTER PIPELINE hot (partitions 1), cold (size 200);
INSERT (1, 'a');
INSERT (11, 'b');
INSERT (21, 'c');
REBALANCE;
EXPLAIN REBALANCE;
SHOW STORAGES;
SELECT;
