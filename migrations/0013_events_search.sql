-- A full-text index for the `q` search of /api/v1/logs (src/logging/event-search.ts): every trigram of the tool
-- name and the two redacted excerpts, so a substring of three or more characters is found from the index instead
-- of by reading the team's events. detail=none keeps only which rows hold a trigram (no positions): about a tenth
-- of the events' size where full detail nearly doubles the database. Candidates are checked against the events
-- row with the same LIKE the unindexed search uses, so the index changes speed, never results.
-- The index reads its text from events (external content) and is keyed by the events rowid: anything that
-- renumbers rowids (VACUUM, an export re-imported) must be followed by the 'rebuild' below (docs/scaling.md).
CREATE VIRTUAL TABLE events_search USING fts5(target, params_excerpt, result_excerpt, content='events', content_rowid='rowid', tokenize='trigram', detail='none');
--> statement-breakpoint
INSERT INTO events_search(events_search) VALUES ('rebuild');
--> statement-breakpoint
-- Events are only ever inserted and deleted (retention), never updated.
CREATE TRIGGER events_search_insert AFTER INSERT ON events
BEGIN
  INSERT INTO events_search(rowid, target, params_excerpt, result_excerpt) VALUES (NEW.rowid, NEW.target, NEW.params_excerpt, NEW.result_excerpt);
END;
--> statement-breakpoint
CREATE TRIGGER events_search_delete AFTER DELETE ON events
BEGIN
  INSERT INTO events_search(events_search, rowid, target, params_excerpt, result_excerpt) VALUES ('delete', OLD.rowid, OLD.target, OLD.params_excerpt, OLD.result_excerpt);
END;
