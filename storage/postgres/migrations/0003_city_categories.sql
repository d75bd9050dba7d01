-- A city's own categories accepted from a growing theme of own words, the same as SQLite's
-- migration 16: shown, ranked and exported beside the city file's extra categories.
CREATE TABLE city_categories (
    city text NOT NULL,
    id text NOT NULL,
    ru text NOT NULL,
    ky text NOT NULL,
    created_at text COLLATE "C" NOT NULL,
    PRIMARY KEY (city, id)
);
