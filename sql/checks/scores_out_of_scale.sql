-- Completed jobs whose score lies outside their module's scale, and modules with no known scale.
SELECT
    count(*) FILTER (WHERE j.scale IS NOT NULL
        AND (j.score < m.min_score OR j.score > m.max_score)) AS out_of_scale,
    count(*) FILTER (WHERE j.scale = 'judge' AND j.score <> round(j.score)) AS judge_not_integer,
    list(DISTINCT j.module) FILTER (WHERE j.scale IS NULL) AS unknown_modules,
    list(j.job_id ORDER BY j.job_id) FILTER (WHERE j.scale IS NOT NULL
        AND (j.score < m.min_score OR j.score > m.max_score))[1:5] AS sample_job_ids
FROM scoring_jobs AS j
LEFT JOIN module_scales AS m USING (module)
WHERE j.score IS NOT NULL;
