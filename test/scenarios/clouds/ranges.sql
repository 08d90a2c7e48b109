-- UPLOAD / DOWNLOAD / DROP PARTITIONS over ranges, on a mix of storages: main (no
-- cloud), cold (drops local copies once uploaded) and keep (keeps them); IF CLOUD skips
-- partitions whose storage has no cloud; every partition is checked before anything changes
CREATE CLOUD s3 (type 's3', url '${S3_URL}', access_key 'S3RVER', secret_key 'S3RVER');
CREATE STORAGE cold;
CREATE STORAGE keep (cloud_drop_local false);
SET interval TO 100;
INSERT (1, 'a');
INSERT (101, 'b');
INSERT (201, 'c');
INSERT (301, 'd');
MOVE PARTITION 100 INTO cold;
MOVE PARTITION 200 INTO keep;
MOVE PARTITION 300 INTO cold;
CHECKPOINT;
-- storages whose partitions are all local may be given a cloud; nothing is uploaded yet
ALTER STORAGE cold SET (cloud 's3');
ALTER STORAGE keep SET (cloud 's3');
UPLOAD PARTITIONS BETWEEN 0 AND 399;
UPLOAD PARTITIONS BETWEEN 0 AND 399 IF CLOUD;
SHOW PARTITIONS;
UPLOAD PARTITIONS BETWEEN 0 AND 399 IF CLOUD;
DOWNLOAD PARTITIONS FROM 0 TO 399;
-- partition 0 would lose its only copy: nothing changes
DROP PARTITIONS FROM 0 TO 399 ON STORAGE;
DROP PARTITIONS FROM 100 TO 399 ON STORAGE;
-- partitions 100 and 300 have no local copy: nothing changes
DROP PARTITIONS FROM 0 TO 399 ON CLOUD;
SHOW PARTITIONS;
SELECT;
DOWNLOAD PARTITIONS FROM 0 TO 399 IF CLOUD;
DROP PARTITIONS FROM 0 TO 399 ON CLOUD;
SHOW PARTITIONS;
UPLOAD PARTITIONS FROM 400 TO 0;
DOWNLOAD PARTITIONS FROM 400 TO 0 IF CLOUD;
DROP PARTITIONS BETWEEN 400 AND 0 ON CLOUD;
UPLOAD PARTITIONS FROM 500 TO 600;
DOWNLOAD PARTITIONS BETWEEN 500 AND 600;
