-- Honest grading (DESIGN.md 4.4, 4.5): neutral mutant labels in a per-version shuffled
-- order, the statement's examples, and the reference monitor's refusals per run.

-- Learners see "mutant <label>"; the order of labels is drawn once per version, so a
-- label says nothing about a mutant's name, weight or place in the catalog file.
ALTER TABLE mutants ADD COLUMN label integer;
UPDATE mutants m SET label = shuffled.label
FROM (
    SELECT version_id, position,
           row_number() OVER (PARTITION BY version_id ORDER BY random()) AS label
    FROM mutants
) AS shuffled
WHERE shuffled.version_id = m.version_id AND shuffled.position = m.position;
ALTER TABLE mutants ALTER COLUMN label SET NOT NULL;
ALTER TABLE mutants ADD CONSTRAINT mutants_label_positive CHECK (label >= 1);
ALTER TABLE mutants ADD CONSTRAINT mutants_version_label_key UNIQUE (version_id, label);

-- [[examples]] of problem.toml: [{"call", "result" | "raises", "setup"}].
ALTER TABLE problem_versions ADD COLUMN examples jsonb NOT NULL DEFAULT '[]';

-- What the reference monitor refused in a run (null: nothing).
ALTER TABLE variant_results ADD COLUMN refused text;
