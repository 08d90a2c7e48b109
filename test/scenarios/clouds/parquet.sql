-- the storage option format: Parquet partition files on a cloud, what it refuses
-- (encryption, lz4, unknown formats), a storage altered to Parquet and back, and the
-- rule that keeps the live listing of a Parquet storage with partitions on its cloud
SET interval TO 100;
CREATE CLOUD s3 (type 's3', url '${S3_URL}', access_key 'S3RVER', secret_key 'S3RVER');
CREATE STORAGE cold (cloud 's3', format 'parquet');
SHOW STORAGE cold;
CREATE STORAGE bad (format 'parquet', encryption 'aes');
CREATE STORAGE bad (format 'parquet', compression 'lz4');
CREATE STORAGE bad (format 'orc');
CREATE STORAGE vault (encryption 'aes');
ALTER STORAGE vault SET (format 'parquet');
INSERT (1, 'a');
INSERT (2, 'k', 'b');
INSERT (150, 'c');
INSERT (18446744073709551615, 'the last id');
MOVE PARTITIONS BETWEEN 0 AND 18446744073709551615 INTO cold;
SELECT;
DELETE 2 'k';
INSERT (1, 'replaced');
REFRESH PARTITION 0;
SELECT;
ALTER STORAGE cold SET (format 'strata');
DOWNLOAD PARTITIONS BETWEEN 0 AND 18446744073709551615;
DROP PARTITIONS BETWEEN 0 AND 18446744073709551615 ON CLOUD;
ALTER STORAGE cold SET (format 'strata');
SHOW STORAGE cold;
SELECT;
SHOW ORPHANS;
