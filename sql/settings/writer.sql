-- How a connection that writes the warehouse opens it: the file ($path) attached to an in-memory
-- connection and made its default, since ATTACH alone takes the row group size.
--
-- Row groups of 16,384 rows rather than DuckDB's 122,880: a transaction that appends at least
-- a row group to a table writes it to the file as it goes ("optimistic writes"), so its commit
-- logs where the blocks are instead of copying every row into the WAL, and no checkpoint has
-- to write them again. One agent of 50,000 jobs now takes that path; with the default it went
-- through the WAL. Over twenty agents of 50,000 jobs (the warehouse alone, final checkpoint
-- included) that took 11.3 s to 9.5 s. With the jobs out of the WAL, DuckDB's default checkpoint
-- threshold (16 MB) is as fast as the 128 MB it needed before, and keeps 100 MB less in memory.
-- What still goes through the WAL (an agent's sessions, its summary's list of job ids) brings a
-- checkpoint every few agents in a backfill; benchmarks/README.md ("Seventh session") measures it.
-- Smaller row groups also give finer min/max zone maps, which a one-session lookup prunes by.
-- The size applies to what this connection writes; readers need no option.
--
-- The temp directory is where DuckDB puts it for a file opened directly (the in-memory default
-- would be `.tmp` under whatever folder the process runs in).
SET temp_directory = $temp_directory;
ATTACH $path AS warehouse (ROW_GROUP_SIZE 16384);
USE warehouse;
