-- monotone's forms that Strata takes as monotone does (issue 16): each statement as
-- monotone's own tests write it, and Strata's answer
SET interval TO 100;
INSERT (4090, 'a');
INSERT (4095, 'cpu', 'b');
INSERT (4099, 'c');
-- a statement on one partition takes any id inside it, not only its min
SHOW PARTITION 4096;
REFRESH PARTITION 4096;
CREATE STORAGE cold;
MOVE PARTITION 4099 INTO cold;
SHOW PARTITIONS cold;
-- DELETE with INSERT's parentheses, with and without a key
DELETE (4095, 'cpu');
DELETE (4099);
SELECT;
DELETE 4090;
SELECT;
-- an id that no partition holds
DROP PARTITION 4100;
DROP PARTITION 4050;
SHOW PARTITIONS;
-- serial inserts (monotone's insert -1): the id given is the answer
INSERT (DEFAULT, 'first');
INSERT (DEFAULT, 'k', 'second');
SHOW ssn;
SELECT FROM 0 TO 10;
-- several SHOW targets at once: one answer keyed by target
SHOW storages, ssn, pipeline;
SHOW interval, serial;
SHOW partition 1, nowhere;
-- a pipeline in which nothing could reach a tier is refused, as monotone refuses it
ALTER PIPELINE SET main, cold;
ALTER PIPELINE SET main (partitions 2), cold;
SHOW PIPELINE;
ALTER PIPELINE RESET;
-- a setting chosen at creation (monotone: set uuid before the first open): refused later,
-- and the error says how to give it (strata DIR --set, tested in test/repl/cli.test.ts)
SET uuid TO '0b5c3a5e-8d4b-4a39-9a56-2f6f1e0b7c11';
