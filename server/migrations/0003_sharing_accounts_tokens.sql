-- Sharing, external accounts, second factors and API tokens.
--
-- Every secret (link token, invitation token, one-time code, recovery code,
-- API token, TOTP secret excepted) is stored only as its SHA-256. A TOTP secret
-- must be readable to verify codes, so it is stored as is; the database file
-- is the server's secret store. Grant rows these features create live in
-- `grants` (0002) with their `source`; the tables here point at them.

-- Share links: several per node, each with its own window and Karuta level.
CREATE TABLE share_links (
    id              TEXT    PRIMARY KEY,                 -- public handle (Subject::Link id), not secret
    token_hash      BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    portfolio_id    TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    node_id         TEXT    NOT NULL,
    level           INTEGER NOT NULL CHECK (level BETWEEN 0 AND 4),
    recipient_role  TEXT    NOT NULL,
    recipient_email TEXT,
    label           TEXT,
    created_by      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    starts_at       INTEGER,
    expires_at      INTEGER,                             -- exclusive; NULL = unlimited
    revoked_at      INTEGER,
    last_used_at    INTEGER,
    use_count       INTEGER NOT NULL DEFAULT 0,
    grant_id        INTEGER                              -- the level-4 read grant, if any
) STRICT;
CREATE INDEX share_links_by_portfolio ON share_links (portfolio_id);

-- Timed portfolio roles given through links of level 2 and 3: they end with the link.
CREATE TABLE link_roles (
    link_id      TEXT    NOT NULL REFERENCES share_links (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL,
    until        INTEGER,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (link_id, user_id)
) STRICT;
CREATE INDEX link_roles_by_user ON link_roles (user_id);

-- Invitations of externals (kind 'external') and one-time invitations for one
-- assessment (kind 'one-time'). The invitation token is the link in the mail;
-- signing in also needs a one-time code mailed each time.
CREATE TABLE invitations (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('external', 'one-time')),
    token_hash     BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    portfolio_id   TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role           TEXT    NOT NULL,
    org_id         INTEGER REFERENCES organisations (id) ON DELETE SET NULL,
    level          TEXT    NOT NULL CHECK (level IN ('read', 'comment', 'write')),
    hide_feedback  INTEGER NOT NULL CHECK (hide_feedback IN (0, 1)),
    nodes          TEXT    NOT NULL,                     -- JSON array of node ids
    lang           TEXT    NOT NULL CHECK (lang IN ('en', 'nl')),
    starts_at      INTEGER NOT NULL,
    ends_at        INTEGER,                              -- exclusive; NULL = until revoked
    created_by     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    last_sign_in   INTEGER
) STRICT;
CREATE INDEX invitations_by_portfolio ON invitations (portfolio_id);
CREATE INDEX invitations_by_user ON invitations (user_id);

CREATE TABLE invitation_grants (
    invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    grant_id      INTEGER NOT NULL,
    PRIMARY KEY (invitation_id, grant_id)
) STRICT;

-- One-time sign-in codes mailed to externals (and kept for one sign-in).
CREATE TABLE login_codes (
    id            INTEGER PRIMARY KEY,
    invitation_id INTEGER NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    code_hash     BLOB    NOT NULL CHECK (length(code_hash) = 32),
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    used_at       INTEGER
) STRICT;
CREATE INDEX login_codes_by_invitation ON login_codes (invitation_id, id);

-- Access requests from people who found a link without rights.
CREATE TABLE access_requests (
    id           INTEGER PRIMARY KEY,
    portfolio_id TEXT    NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    node_id      TEXT    NOT NULL,
    requester    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    level        TEXT    NOT NULL CHECK (level IN ('read', 'comment', 'write')),
    message      TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'declined')),
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    decided_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    grant_id     INTEGER
) STRICT;
CREATE INDEX access_requests_by_portfolio ON access_requests (portfolio_id, status);

-- TOTP second factor (RFC 6238, SHA-1, 6 digits, 30 s).
CREATE TABLE totp (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     BLOB    NOT NULL,
    enabled_at INTEGER,                                  -- NULL while enrolment is unconfirmed
    last_step  INTEGER NOT NULL DEFAULT -1,              -- a code's time step is accepted once
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB    NOT NULL CHECK (length(code_hash) = 32),
    used_at   INTEGER,
    PRIMARY KEY (user_id, code_hash)
) STRICT;

-- Per-user preferences (mail language).
CREATE TABLE user_prefs (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    lang    TEXT    NOT NULL CHECK (lang IN ('en', 'nl'))
) STRICT;

-- API tokens of service users. Scopes are folio_core's TokenScopes as JSON.
CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY,                    -- public handle (Subject::Token id), not secret
    token_hash   BLOB    NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    revoked_at   INTEGER,
    last_used_at INTEGER,
    replaced_by  TEXT                                    -- set when rotated
) STRICT;
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
