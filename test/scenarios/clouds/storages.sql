-- storages on a cloud: the options cloud and cloud_drop_local, and the rules that tie
-- storages, their partitions and clouds (the cloud must exist; a storage's cloud changes
-- only while none of its partitions is on it; bucket change, DROP CLOUD, RENAME)
CREATE CLOUD s3 (type 's3', url '${S3_URL}', access_key 'S3RVER', secret_key 'S3RVER');
CREATE STORAGE cold (cloud 's3');
CREATE STORAGE bad (cloud 'nowhere');
CREATE STORAGE bad (cloud 42);
CREATE STORAGE bad (cloud_drop_local 'no');
CREATE STORAGE IF NOT EXISTS cold (cloud 'nowhere');
SHOW STORAGE cold;
CREATE STORAGE warm (cloud_drop_local false);
ALTER STORAGE warm SET (cloud 'nowhere');
ALTER STORAGE warm SET (cloud 's3');
SHOW CLOUD s3;
ALTER STORAGE warm SET (cloud '');
SHOW STORAGE warm;
SET interval TO 100;
INSERT (1, 'a');
INSERT (101, 'b');
-- a move into a storage with a cloud uploads the partition; warm has none now
MOVE PARTITION 0 INTO cold;
MOVE PARTITION 100 INTO warm;
SHOW PARTITIONS;
-- warm's partitions are all local: its cloud may change
ALTER STORAGE warm SET (cloud 's3');
ALTER STORAGE warm SET (cloud '');
-- cold has a partition on its cloud: its cloud may not change (giving the same one is no change)
CREATE CLOUD other (type 's3', url '${S3_URL}', access_key 'S3RVER', secret_key 'S3RVER');
ALTER STORAGE cold SET (cloud '');
ALTER STORAGE cold SET (cloud 'other');
ALTER STORAGE cold SET (cloud 's3', cloud_drop_local false);
-- a partition is in s3's bucket: the bucket may not change; other's may
ALTER CLOUD s3 SET (bucket 'strata-elsewhere');
ALTER CLOUD other SET (bucket 'strata-elsewhere');
DROP CLOUD s3;
DROP STORAGE cold;
-- a rename follows into the storages that use the cloud
ALTER CLOUD s3 RENAME TO archive;
SHOW CLOUD s3;
SHOW CLOUDS;
-- bring the partition back and drop its cloud copy: cold's cloud may change now
DOWNLOAD PARTITION 0;
DROP PARTITION 0 ON CLOUD;
SHOW STORAGE cold;
ALTER STORAGE cold SET (cloud 'other');
DROP CLOUD archive;
SHOW CLOUDS;
SELECT;
