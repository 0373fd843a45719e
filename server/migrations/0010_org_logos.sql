-- An organisation's logo: a blob in the blob store (content-addressed), set by
-- an administrator. One logo per organisation; setting another replaces it.
CREATE TABLE org_logos (
    org_id       INTEGER PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    blob_hash    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL
);
