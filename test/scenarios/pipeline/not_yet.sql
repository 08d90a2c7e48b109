-- pipeline statements parse, and say plainly that their engine has not landed
ALTER PIPELINE hot (partitions 2), cold (size 10G);
ALTER PIPELINE SET hot (duration 1day, events 1000000), cold (interval 6h);
ALTER PIPELINE main;
ALTER PIPELINE RESET;
REBALANCE;
EXPLAIN REBALANCE;
