-- Access control and the document registry.
--
-- `grants` holds the authoritative access rules (folio_core::access::Grant);
-- `nodes` is the portfolio tree's skeleton, kept in step with accepted
-- document changes by the sync server; `documents` says which Automerge
-- document stores which node; `node_files` records which attachment was
-- uploaded to which node, so a download is checked against that node.
--
-- Node ids are chosen by clients and are unique within one portfolio only,
-- hence the (portfolio_id, id) keys. The portfolio's own node id is the
-- portfolio id (the portfolio document's id).

CREATE TABLE grants (
    id            INTEGER PRIMARY KEY,
    portfolio_id  TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    node_id       TEXT    NOT NULL,
    subject       TEXT    NOT NULL,                 -- JSON of folio_core::access::Subject
    level         TEXT    NOT NULL CHECK (level IN ('read', 'comment', 'write', 'remove', 'manage')),
    starts_at     INTEGER,                          -- inclusive; NULL = always started
    ends_at       INTEGER,                          -- exclusive; NULL = never ends
    condition     TEXT,                             -- source text of the condition expression
    may_share     INTEGER NOT NULL DEFAULT 0 CHECK (may_share IN (0, 1)),
    hide_feedback INTEGER NOT NULL DEFAULT 0 CHECK (hide_feedback IN (0, 1)),
    source        TEXT    NOT NULL CHECK (source IN ('direct', 'invitation', 'organisation-rule', 'share-link', 'one-time', 'token')),
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX grants_by_portfolio ON grants (portfolio_id);
CREATE INDEX grants_by_subject ON grants (subject);

CREATE TABLE nodes (
    portfolio_id TEXT NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    parent_id    TEXT,                              -- NULL exactly for the portfolio node
    kind         TEXT NOT NULL CHECK (kind IN ('portfolio', 'collection', 'page', 'section', 'resource')),
    title        TEXT,
    state        TEXT NOT NULL DEFAULT '{}',        -- JSON of folio_core::access::NodeState
    PRIMARY KEY (portfolio_id, id)
) STRICT;

CREATE TABLE documents (
    id           TEXT    PRIMARY KEY,               -- automerge-repo document id (base58check, no prefix)
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('portfolio', 'collection', 'page', 'feedback')),
    node_id      TEXT    NOT NULL,                  -- the node stored; for feedback, the anchor node
    thread_id    TEXT,                              -- feedback only
    author       TEXT,                              -- feedback only: principal key of its author
    opener       TEXT,                              -- feedback only: principal key of the thread's opener
    created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX documents_by_portfolio ON documents (portfolio_id);

CREATE TABLE node_files (
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    node_id      TEXT    NOT NULL,
    hash         TEXT    NOT NULL REFERENCES blobs (hash),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (portfolio_id, node_id, hash)
) STRICT;
