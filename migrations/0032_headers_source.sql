-- Health of the configured headers source (HEADERS_SOURCE): one row, written by each refresh.
-- A failing source makes the served tip `unstable` (it may be behind the real chain).
CREATE TABLE headers_source_state (
  id            SMALLINT PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  source        TEXT NOT NULL,
  last_ok_at    TIMESTAMPTZ,
  last_error_at TIMESTAMPTZ,
  last_error    TEXT,
  failing       BOOLEAN NOT NULL DEFAULT false
);
