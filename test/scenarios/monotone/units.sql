-- units fit what they set (issue 16): each kind, one number it takes and one it refuses.
-- K and M are powers of 1024 for a size and powers of ten for a count.
-- bytes
SET refresh_wm TO 64MiB;
SET refresh_wm TO 6h;
CREATE STORAGE s (region_size 64K);
SHOW STORAGE s;
ALTER STORAGE s SET region_size TO 1d;
-- count
SET read_ahead TO 2K;
ALTER PIPELINE main (events 1M, partitions 10), s;
SHOW PIPELINE;
ALTER PIPELINE main (events 1G), s;
ALTER PIPELINE main (partitions 1KiB), s;
-- duration
ALTER PIPELINE main (duration 6h), s;
SHOW PIPELINE;
ALTER PIPELINE main (duration 10G), s;
ALTER PIPELINE main (interval 1M), s;
-- id
SET interval TO 1000000;
SET interval TO 1G;
SET ssn TO 1M;
-- boolean
SET sync TO false;
SET sync TO 1K;
-- string
SET compression TO zstd;
SET compression TO 1M;
CREATE CLOUD c (type 's3', url 1M);
-- an alias takes its option's kind, and a secret's value is never shown
CREATE CLOUD c (type 's3', url 'http://127.0.0.1:1', password 1M);
-- IF NOT EXISTS of a storage that exists checks nothing
CREATE STORAGE IF NOT EXISTS s (region_size 6h);
-- nothing changed by the refused ones
SHOW refresh_wm, read_ahead, interval, sync, compression;
SHOW PIPELINE;
ALTER PIPELINE RESET;
