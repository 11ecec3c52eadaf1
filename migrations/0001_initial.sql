-- ScimDesk's first schema. The SCIM document (JSON) is the source of truth for a resource;
-- the other columns are extracted from it so that the queries Entra makes are index lookups.

-- Admin settings (bind address, public URL, clipboard clear time). CLI flags override them.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- A SCIM source: one Entra (or Okta, OneLogin) tenant provisioning into ScimDesk.
CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    -- Stable public identifier; names the source's keychain entry.
    uid           TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    -- URL path segment: lower-case, URL-safe, unique (checked in Rust, enforced here).
    slug          TEXT NOT NULL UNIQUE,
    enabled       INTEGER NOT NULL DEFAULT 1,
    -- SHA-256 of the bearer token; the token itself lives only in the OS keychain.
    token_hash    BLOB NOT NULL,
    -- The first characters of the token, so the admin can tell tokens apart.
    token_prefix  TEXT NOT NULL,
    -- After a rotation with overlap, the previous token stays valid until this time.
    previous_token_hash    BLOB,
    previous_token_expires TEXT,
    created       TEXT NOT NULL,
    updated       TEXT NOT NULL
);

CREATE TABLE users (
    -- rowid gives a stable creation order for paging.
    rowid         INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    -- userName lower-cased: RFC 7643 makes userName caseExact false and unique per server.
    user_name_key TEXT NOT NULL,
    external_id   TEXT,
    display_name  TEXT,
    display_name_key TEXT,
    active        INTEGER NOT NULL,
    -- enterprise extension manager.value, for Entra's `manager eq` queries.
    manager_id    TEXT,
    doc           TEXT NOT NULL,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    -- meta.version / ETag: bumped on every change.
    version       INTEGER NOT NULL
);
-- The uniqueness Entra relies on: two concurrent creates of one userName cannot both win.
CREATE UNIQUE INDEX users_user_name ON users(source_id, user_name_key);
CREATE INDEX users_external_id ON users(source_id, external_id);
CREATE INDEX users_display_name ON users(source_id, display_name_key);
CREATE INDEX users_manager ON users(source_id, manager_id);

-- emails[].value lower-cased, for `emails[type eq "work"].value eq` matching.
CREATE TABLE user_emails (
    user_rowid INTEGER NOT NULL REFERENCES users(rowid) ON DELETE CASCADE,
    source_id  INTEGER NOT NULL,
    value_key  TEXT NOT NULL,
    PRIMARY KEY (user_rowid, value_key)
) WITHOUT ROWID;
CREATE INDEX user_emails_value ON user_emails(source_id, value_key);

CREATE TABLE groups (
    rowid         INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    source_id     INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    display_name  TEXT NOT NULL,
    -- Entra requires group displayName to be unique; compared case-insensitively.
    display_name_key TEXT NOT NULL,
    external_id   TEXT,
    -- Kept with each membership change so counts never scan group_members.
    member_count  INTEGER NOT NULL DEFAULT 0,
    doc           TEXT NOT NULL,
    created       TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    version       INTEGER NOT NULL
);
CREATE UNIQUE INDEX groups_display_name ON groups(source_id, display_name_key);
CREATE INDEX groups_external_id ON groups(source_id, external_id);

-- Membership lives here, not in the group document, so adding or removing one member costs
-- the same for a group of 10 or of 50,000.
CREATE TABLE group_members (
    group_rowid INTEGER NOT NULL REFERENCES groups(rowid) ON DELETE CASCADE,
    member_id   TEXT NOT NULL,
    -- 'User' or 'Group'
    member_type TEXT NOT NULL,
    PRIMARY KEY (group_rowid, member_id)
) WITHOUT ROWID;
-- For deleting a user's memberships and for `members[value eq "x"]` queries.
CREATE INDEX group_members_member ON group_members(member_id);

-- One row per SCIM request, for the Activity feed. Retention is bounded by the engine.
CREATE TABLE activity (
    id         INTEGER PRIMARY KEY,
    source_id  INTEGER REFERENCES sources(id) ON DELETE CASCADE,
    time       TEXT NOT NULL,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    status     INTEGER NOT NULL,
    -- What changed, in the admin's words ("created user alice@contoso.com"), or why refused.
    summary    TEXT NOT NULL,
    latency_us INTEGER NOT NULL
);
CREATE INDEX activity_source ON activity(source_id, id);
