-- When a working-group member last signed out of the desk, the same as SQLite's migration
-- 17: their sessions issued before it are refused on every instance.
CREATE TABLE desk_signouts (
    user_id bigint PRIMARY KEY,
    at text COLLATE "C" NOT NULL
);
