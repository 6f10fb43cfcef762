-- The scoring modules the API documents, with their scales: judge modules score integers
-- 0–10, statistical modules 0.0–1.0. Add a row here when the API gains a module.
INSERT INTO module_scales VALUES
    ('correctness',          'judge',       0, 10),
    ('coherence',            'judge',       0, 10),
    ('faithfulness',         'judge',       0, 10),
    ('observed_consistency', 'statistical', 0, 1),
    ('data_grounding',       'statistical', 0, 1)
ON CONFLICT (module) DO UPDATE SET
    scale = excluded.scale, min_score = excluded.min_score, max_score = excluded.max_score;
