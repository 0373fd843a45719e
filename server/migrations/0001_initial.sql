-- Folio's initial schema.
--
-- Conventions: every instant is an INTEGER of milliseconds since the Unix epoch
-- (folio_core::time::Timestamp); every table is STRICT; secrets (session tokens)
-- are stored only as their SHA-256; document changes and snapshots are opaque
-- Automerge bytes.
--
-- Grants (the access engine's authoritative rules: subject, node, level, flags,
-- start, end, condition), share links, invitations and API tokens are NOT here:
-- they arrive in their own migration (0002_grants.sql and later) together with
-- the access engine that owns their meaning, plus a `GrantStore` trait beside
-- the others in server/src/storage/.

-- Small key/value facts about this database (for example whether the first
-- administrator was ever created, so it is created exactly once).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,          -- normalised to lower case by the server
    display_name  TEXT    NOT NULL,
    password_hash TEXT,                             -- argon2 PHC string; NULL = no password sign-in
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    kind          TEXT    NOT NULL CHECK (kind IN ('member', 'external', 'service')),
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE organisations (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    created_at INTEGER NOT NULL
) STRICT;

-- A user may hold several roles in one organisation: one row per role.
CREATE TABLE memberships (
    org_id     INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id, role)
) STRICT;
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE portfolios (
    id         TEXT    PRIMARY KEY,                 -- the portfolio document's id
    owner_id   INTEGER NOT NULL REFERENCES users (id),
    title      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX portfolios_by_owner ON portfolios (owner_id);

-- Roles people hold in one portfolio (teacher, peer, supervisor, assessor, ...).
CREATE TABLE portfolio_roles (
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (portfolio_id, user_id, role)
) STRICT;
CREATE INDEX portfolio_roles_by_user ON portfolio_roles (user_id);

CREATE TABLE sessions (
    token_hash BLOB    PRIMARY KEY CHECK (length(token_hash) = 32),  -- sha256 of the cookie token
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- automerge-repo's storage pattern: incremental changes appended as they are
-- accepted, later compacted into one snapshot per document (the compacted
-- changes are deleted in the same transaction that writes the snapshot).
CREATE TABLE document_changes (
    seq         INTEGER PRIMARY KEY,                -- arrival order, for loading
    document_id TEXT    NOT NULL,
    change_hash BLOB    NOT NULL CHECK (length(change_hash) = 32),
    data        BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (document_id, change_hash)
) STRICT;

CREATE TABLE document_snapshots (
    document_id TEXT    PRIMARY KEY,
    heads       BLOB    NOT NULL CHECK (length(heads) % 32 = 0),  -- concatenated 32-byte hashes
    data        BLOB    NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    principal   TEXT    NOT NULL,                   -- e.g. `user:7`, `link:…`, `token:…`, `anonymous`
    document_id TEXT,
    node_id     TEXT,
    action      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
    reason      TEXT
) STRICT;
CREATE INDEX audit_by_document ON audit_log (document_id, id);

-- Metadata of content-addressed blobs; the bytes live in <data-dir>/blobs/.
CREATE TABLE blobs (
    hash         TEXT    PRIMARY KEY CHECK (length(hash) = 64),   -- sha256, lower-case hex
    size         INTEGER NOT NULL CHECK (size >= 0),
    content_type TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

-- Outgoing mail. Without SMTP configured, this table is where mail stays.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    to_address TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body_text  TEXT    NOT NULL,
    body_html  TEXT,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
) STRICT;
CREATE INDEX outbox_pending ON outbox (sent_at, id);
