-- failed cloud transfers: the error, cloud_error in SHOW PARTITION, a retry that succeeds;
-- the error-injection points of uploads and downloads
-- (s3rver refuses the access key WRONG with 403 Forbidden)
CREATE CLOUD s3 (type 's3', url '${S3_URL}', access_key 'WRONG', secret_key 'WRONG');
CREATE STORAGE cold (cloud 's3');
ALTER PIPELINE cold;
SET interval TO 100;
INSERT (1, 'a');
REFRESH PARTITION 0;
UPLOAD PARTITION 0;
SHOW PARTITION 0;
-- a move into a storage with a cloud uploads before the switch: it fails, nothing moves
CREATE STORAGE colder (cloud 's3');
MOVE PARTITION 0 INTO colder;
SHOW PARTITIONS colder;
ALTER CLOUD s3 SET (access_key 'S3RVER', secret_key 'S3RVER');
UPLOAD PARTITION 0;
SHOW PARTITION 0;
-- injection points stop a transfer as a crash would (reopen the database after one)
INSERT (101, 'b');
REFRESH PARTITION 100;
SET error_upload_before_switch TO true;
UPLOAD PARTITION 100;
SHOW PARTITION 100;
SET error_download_before_switch TO true;
DOWNLOAD PARTITION 0;
SHOW PARTITION 0;
