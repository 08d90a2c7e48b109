-- cloud statements parse, and say plainly that their engine has not landed
CREATE CLOUD s3 (type 's3', url 'http://127.0.0.1:9000', region 'us-east-1', access_key 'key', secret_key 'secret');
CREATE CLOUD IF NOT EXISTS minio (type 's3', endpoint 'http://127.0.0.1:9001', login 'k', password 'p', path_style true, debug false);
ALTER CLOUD s3 RENAME TO s4;
ALTER CLOUD IF EXISTS s3 SET (region 'eu-west-1');
DROP CLOUD s3;
DROP CLOUD IF EXISTS s3;
UPLOAD PARTITION 0;
UPLOAD PARTITION IF EXISTS 0 IF CLOUD;
UPLOAD PARTITIONS BETWEEN 0 AND 10 IF CLOUD;
DOWNLOAD PARTITION 0;
DOWNLOAD PARTITIONS FROM 0 TO 10;
DOWNLOAD PARTITION IF EXISTS 0 IF CLOUD;
