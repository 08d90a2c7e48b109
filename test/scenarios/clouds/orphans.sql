-- SHOW ORPHANS / DROP ORPHANS: objects under a cloud storage's prefix that no partition
-- refers to. The engine never makes one in these scripts: both answer [] before the
-- bucket exists and after uploads, copy drops and partition drops (test/cloud/orphans.test.ts
-- puts foreign objects under the prefix and shows them listed and dropped)
SHOW ORPHANS;
CREATE CLOUD s3 (type 's3', url '${S3_URL}', access_key 'S3RVER', secret_key 'S3RVER');
CREATE STORAGE cold (cloud 's3');
ALTER PIPELINE cold;
SHOW ORPHANS;
SET interval TO 100;
CREATE PARTITION 0 99;
INSERT (1, 'a');
UPLOAD PARTITION 0;
SHOW ORPHANS;
DOWNLOAD PARTITION 0;
DROP PARTITION 0 ON CLOUD;
SHOW ORPHANS;
DROP ORPHANS;
DROP PARTITION 0;
SHOW ORPHANS;
