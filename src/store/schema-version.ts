/**
 * The schema version this maos writes: the number of migrations (migrations.ts checks it).
 * A constant of its own so that opening an up-to-date database, as every read command does,
 * can refuse a newer one without loading the migrations' SQL text.
 */
export const schemaVersion = 7;
