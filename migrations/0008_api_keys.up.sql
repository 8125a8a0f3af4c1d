-- 0008_api_keys: the keys of the read API ('indexer api'), managed by 'indexer apikey'.
-- Only the SHA-256 of a key is stored; the key itself is printed once by 'indexer apikey create'.
CREATE TABLE erc8004_api_keys (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text        NOT NULL,
    key_prefix  text        NOT NULL,             -- the key's first characters, to recognise it in 'list'
    key_hash    text        NOT NULL UNIQUE,      -- lowercase hex SHA-256 of the whole key
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz                       -- NULL while the key is valid
);
-- A name identifies one valid key ('indexer apikey revoke --name N').
CREATE UNIQUE INDEX erc8004_api_keys_name_idx ON erc8004_api_keys (name) WHERE revoked_at IS NULL;

-- The API runs as erc8004_reader on a replica: it reads the hashes, never writes them.
GRANT SELECT ON erc8004_api_keys TO erc8004_reader;
