-- Locally hosted models (issue 11): OpenAI-compatible endpoints with immutable versions,
-- and frozen problem sets to evaluate them on (appliance/models/queries.py).

-- What a row of these tables may not become once written; the triggers below name it.
CREATE FUNCTION refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are immutable: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

-- An endpoint is a name; what it means is its versions. `current_version_id` is the version
-- the last registration named (an identical registration names an existing one again).
CREATE TABLE model_endpoints (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    current_version_id  bigint,
    created_by          bigint REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- A version never changes: any change of URL, model, key, sampling or prompt is a new
-- number. The API key is sealed with AES-256-GCM under the appliance's model key
-- (nonce and tag inside); `content_hash` covers an HMAC of the key, never the key.
CREATE TABLE model_versions (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id        bigint NOT NULL REFERENCES model_endpoints (id),
    number             integer NOT NULL CHECK (number >= 1),
    base_url           text NOT NULL CHECK (base_url ~ '^https?://'),
    model              text NOT NULL CHECK (length(model) BETWEEN 1 AND 200),
    api_key_encrypted  bytea,
    sampling           jsonb NOT NULL,
    prompt_template    text NOT NULL,
    content_hash       text NOT NULL,
    created_by         bigint REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (endpoint_id, number),
    UNIQUE (endpoint_id, content_hash)
);

ALTER TABLE model_endpoints
    ADD CONSTRAINT model_endpoints_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES model_versions (id);

CREATE TRIGGER model_versions_immutable
    BEFORE UPDATE OR DELETE ON model_versions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A named, frozen selection of problem versions: what a filter matched when it was made.
-- `content_hash` is over the sorted (slug, version content hash) pairs, so two sets with
-- the same problems at the same versions have the same hash whatever their names.
CREATE TABLE problem_sets (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    filter        jsonb NOT NULL,
    item_count    integer NOT NULL CHECK (item_count >= 1),
    content_hash  text NOT NULL,
    created_by    bigint REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE problem_set_items (
    set_id      bigint NOT NULL REFERENCES problem_sets (id),
    version_id  bigint NOT NULL REFERENCES problem_versions (id),
    PRIMARY KEY (set_id, version_id)
);

CREATE TRIGGER problem_sets_frozen
    BEFORE UPDATE OR DELETE ON problem_sets
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

CREATE TRIGGER problem_set_items_frozen
    BEFORE UPDATE OR DELETE ON problem_set_items
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- A set takes its `item_count` items when it is made and none after: an insert into a set
-- that already holds them all is refused, so a set cannot grow either.
CREATE FUNCTION refuse_item_beyond_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM problem_set_items WHERE set_id = NEW.set_id)
        >= (SELECT item_count FROM problem_sets WHERE id = NEW.set_id) THEN
        RAISE EXCEPTION 'problem set % is frozen: it holds all its items', NEW.set_id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER problem_set_items_complete
    BEFORE INSERT ON problem_set_items
    FOR EACH ROW EXECUTE FUNCTION refuse_item_beyond_count();
