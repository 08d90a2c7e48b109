-- storage statements parse, and say plainly that their engine has not landed
CREATE STORAGE hot;
CREATE STORAGE IF NOT EXISTS cold (path '/tmp/cold', compression 'zstd', compression_level 3, region_size 64KiB, sync false);
ALTER STORAGE hot RENAME TO warm;
ALTER STORAGE IF EXISTS hot SET (refresh_wm 10M, crc true);
ALTER STORAGE main SET compression TO 'none';
DROP STORAGE hot;
DROP STORAGE IF EXISTS hot;
MOVE PARTITION 0 INTO cold;
MOVE PARTITION IF EXISTS 0 INTO cold;
MOVE PARTITIONS BETWEEN 0 AND 100 INTO cold;
MOVE PARTITIONS FROM 0 TO 100 INTO cold;
