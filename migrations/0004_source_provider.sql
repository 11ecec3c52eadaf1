-- Which identity provider provisions each source (entra, okta, onelogin, other): a label that
-- chooses the setup guide the window shows, not a different server, so every source still
-- accepts every request form. Sources made before this were set up with the Entra guide, the
-- only one there was, so they are `entra`.
ALTER TABLE sources ADD COLUMN provider TEXT NOT NULL DEFAULT 'entra'
    CHECK (provider IN ('entra', 'okta', 'onelogin', 'other'));
