-- serial mode: SET ssn moves the counter; inserts with ids do not
SET ssn TO 100;
SHOW ssn;
INSERT (5, 'explicit');
SHOW ssn;
SELECT;
