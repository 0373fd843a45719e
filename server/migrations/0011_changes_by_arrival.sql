-- `document_changes` loses its UNIQUE (document_id, change_hash) index for
-- one on (document_id, seq). Every accepted keystroke is a row; a key on a
-- hash (random by nature) put each insert on a random page of an index that
-- grows with every uncompacted change, so a commit of a busy document wrote
-- hundreds of scattered index pages to the WAL (at 128 keystrokes a message,
-- the fsync took as long as judging the batch). Rows of a document now go
-- where its previous ones went. A change is stored once because its document
-- actor appends only changes the document did not hold (the guard judges only
-- those; server-authored steps skip what is there); loading skips a hash it
-- has seen, so a change stored twice would still be loaded once, and
-- compaction deletes by hash among the document's rows.
CREATE TABLE document_changes_by_arrival (
    seq         INTEGER PRIMARY KEY,                -- arrival order, for loading
    document_id TEXT    NOT NULL,
    change_hash BLOB    NOT NULL CHECK (length(change_hash) = 32),
    data        BLOB    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
INSERT INTO document_changes_by_arrival (seq, document_id, change_hash, data, created_at)
    SELECT seq, document_id, change_hash, data, created_at FROM document_changes;
DROP TABLE document_changes;
ALTER TABLE document_changes_by_arrival RENAME TO document_changes;
CREATE INDEX document_changes_by_document ON document_changes (document_id, seq);
