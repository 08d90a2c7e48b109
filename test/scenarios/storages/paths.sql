-- Where a storage's path may lead (docs/sql/storage.md, "Where a path may lead"). The
-- database directory is a fresh temp directory: relative paths resolve inside it.
CREATE STORAGE hot (uuid '11111111-1111-1111-1111-111111111111', path 'disk');
-- the same path as another storage: fine, their folders differ by uuid
CREATE STORAGE warm (path 'disk');
-- '.' is the database directory itself, as for storages that never set a path
CREATE STORAGE here (path '.');
-- a relative path may not leave the database directory
CREATE STORAGE bad (path '../../etc');
CREATE STORAGE bad (path '..');
CREATE STORAGE bad (path 'disk/../../x');
-- the parent must exist: Strata creates only the last level ('/nonexistent/deep/x' is
-- refused the same way; test/engine/storage-paths.test.ts tries absolute paths)
CREATE STORAGE bad (path 'deep/x');
-- not inside the WAL folder, the manifest, the lock file or a storage's folder
CREATE STORAGE bad (path 'wal');
CREATE STORAGE bad (path 'wal/x');
CREATE STORAGE bad (path 'manifest.db');
CREATE STORAGE bad (path 'manifest.db-wal');
CREATE STORAGE bad (path 'manifest.db-shm');
CREATE STORAGE bad (path 'strata.lock');
CREATE STORAGE bad (path 'disk/11111111-1111-1111-1111-111111111111');
CREATE STORAGE bad (path 'disk/11111111-1111-1111-1111-111111111111/x');
-- an empty path given explicitly (leave path out for the database directory)
CREATE STORAGE bad (path '');
-- ALTER ... SET path follows the same rules
ALTER STORAGE warm SET path TO '../elsewhere';
ALTER STORAGE warm SET (path 'wal');
ALTER STORAGE warm SET (path '');
ALTER STORAGE warm SET (path 'other');
SHOW STORAGE warm;
-- nothing of the refused statements was recorded
SHOW STORAGES;
