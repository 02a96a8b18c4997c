-- maos databases identify themselves in the SQLite header (PRAGMA application_id, "MAOS").
-- New files get it with their first tables (0001); this marks files made before it existed.
PRAGMA application_id = 1296125779;
