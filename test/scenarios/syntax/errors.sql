-- syntax errors name line, column, the token and what was expected
MOVE PARTITION 5 TO cold;
SELEKT;
CREATE STORAGE;
SET interval 5;
DROP PARTITIONS BETWEEN 1;
INSERT (1, 'a';
SHOW PARTITION;
CREATE PARTITION 1;
REFRESH PARTITION IF 5;
ALTER PIPELINE hot (partitions);
SET x TO 'unterminated;
CREATE CLOUD IF EXISTS c (type 's3');
