-- MOVE PARTITION into, between and out of storages with a cloud; REFRESH of a partition
-- whose file is only on the cloud; DROP PARTITION of a cloud partition; the requests each
-- makes (deterministic: workers 0, and every storage's bucket is new)
CREATE CLOUD s3 (type 's3', url '${S3_URL}', access_key 'S3RVER', secret_key 'S3RVER');
CREATE STORAGE cold (cloud 's3');
CREATE STORAGE keep (cloud 's3', cloud_drop_local false);
SET interval TO 100;
INSERT (1, 'a');
INSERT (101, 'b');
-- a move into a storage with a cloud writes the file, uploads it, verifies it, switches
MOVE PARTITION 0 INTO cold;
MOVE PARTITION 100 INTO keep;
SHOW PARTITIONS;
SHOW CLOUD s3;
-- new events for a partition that is only on the cloud: SELECT merges them with the object
INSERT (2, 'a2');
SHOW PARTITION 0;
SELECT FROM 0 TO 99;
-- the refresh fetches the object, merges, uploads the new file, deletes the old object
REFRESH PARTITION 0;
SHOW PARTITION 0;
SHOW CLOUD s3;
SELECT FROM 0 TO 99;
SHOW CLOUD s3;
-- keep has a local copy: no fetch
INSERT (102, 'b2');
REFRESH PARTITION 100;
SHOW PARTITION 100;
-- between two cloud storages, then out of the cloud tier
MOVE PARTITION 0 INTO keep;
SHOW PARTITION 0;
MOVE PARTITION 0 INTO main;
SHOW PARTITION 0;
MOVE PARTITION 100 INTO cold;
SHOW PARTITION 100;
SHOW CLOUD s3;
DROP PARTITION 100;
SHOW CLOUD s3;
SELECT;
DROP STORAGE cold;
DROP STORAGE keep;
DROP CLOUD s3;
