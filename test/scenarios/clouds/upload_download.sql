-- UPLOAD / DOWNLOAD PARTITION and DROP PARTITION ... ON STORAGE | ON CLOUD on a storage
-- with a cloud; SHOW PARTITION's on_storage / on_cloud; reads of a partition that is only
-- on the cloud; SHOW CLOUD's request counts (deterministic: workers 0, nothing runs in
-- the background, and the storage's bucket is new)
CREATE CLOUD s3 (type 's3', url '${S3_URL}', access_key 'S3RVER', secret_key 'S3RVER');
CREATE STORAGE cold (cloud 's3');
ALTER PIPELINE cold;
SET interval TO 100;
CREATE PARTITION 0 99;
INSERT (1, 'a');
INSERT (2, 'k', 'b');
REFRESH PARTITION 0;
SHOW PARTITION 0;
SHOW CLOUD s3;
UPLOAD PARTITION 0;
SHOW PARTITION 0;
SHOW CLOUD s3;
-- one ranged GET for the file's index, one per region
SELECT;
SHOW CLOUD s3;
-- on the cloud already: nothing to do
UPLOAD PARTITION 0;
UPLOAD PARTITION 5000;
UPLOAD PARTITION IF EXISTS 5000;
DOWNLOAD PARTITION 5000;
DOWNLOAD PARTITION IF EXISTS 5000 IF CLOUD;
-- the cloud copy is the only one; there is no local copy to drop
DROP PARTITION 0 ON CLOUD;
DROP PARTITION 0 ON STORAGE;
DOWNLOAD PARTITION 0;
SHOW PARTITION 0;
DOWNLOAD PARTITION 0;
-- both copies: either may go
DROP PARTITION 0 ON STORAGE;
SHOW PARTITION 0;
DOWNLOAD PARTITION 0;
DROP PARTITION 0 ON CLOUD;
SHOW PARTITION 0;
-- the local copy is the only one; there is no cloud copy to drop
DROP PARTITION 0 ON STORAGE;
DROP PARTITION 0 ON CLOUD;
DROP PARTITION 5000 ON CLOUD;
DROP PARTITION IF EXISTS 5000 ON CLOUD;
SHOW CLOUD s3;
-- events only in memory: UPLOAD refreshes the partition first
INSERT (150, 'c');
SHOW PARTITION 100;
UPLOAD PARTITION 100;
SHOW PARTITION 100;
-- no events: nothing to upload
CREATE PARTITION 200 299;
UPLOAD PARTITION 250;
SHOW PARTITION 200;
-- dropping a partition deletes its cloud object
DROP PARTITION 100;
SHOW CLOUD s3;
SELECT;
