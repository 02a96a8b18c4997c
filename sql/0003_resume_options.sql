-- maos schema v2: resume can change the run options.
-- Durability (full|normal) is now kept with the other run options, so a resume opens the
-- database the way the run did; orchestrations recorded before it ran with the default.
-- json_valid: a hand-edited options value is left as it is (reading it reports it).
UPDATE orchestrations SET options = json_set(options, '$.durability', 'full')
WHERE options IS NOT NULL AND json_valid(options) AND json_type(options, '$.durability') IS NULL;

-- What each resume changed: JSON [{option, from, to}] (RunOptions keys, old and new value).
ALTER TABLE resumes ADD COLUMN option_changes TEXT NOT NULL DEFAULT '[]';
