-- Set while a sync writes the warehouse (see settings/sync_done.sql).
--
-- DuckDB's buffer pool keeps the blocks it has written until it reaches memory_limit, which is
-- 80% of the machine's memory by default, so a sync's memory would grow with the history it
-- writes. Bounded, the written blocks are evicted (they are in the file already) and the stage
-- spills to DuckDB's temp directory. On twenty agents of 50,000 jobs this took the sync's peak
-- from about 1,000 MB to 760 MB, for about 5% more time (33.8 s against 32.0 s, two interleaved
-- rounds). Only the sync: at this bound the summary views over five million jobs took 27 s
-- instead of 6.5 s.
SET memory_limit = '256MB';
