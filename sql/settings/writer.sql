-- Settings of a connection that writes the warehouse.
--
-- DuckDB checkpoints once its WAL passes checkpoint_threshold (16 MB by default). A sync commits
-- each agent at once, tens of MB of WAL an agent, so at the default almost every commit also
-- checkpointed. Over twenty agents of 50,000 jobs each, 128 MB took the warehouse's share of a
-- 1M-job sync from 17.7 s to 14.0 s (final checkpoint included) for 26 MB more peak memory;
-- 256 MB was no faster and cost 213 MB more. A crash replays at most this much WAL on the next
-- open.
SET checkpoint_threshold = '128MB';
