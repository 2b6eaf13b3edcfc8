-- Sessions carry the opener's trace (issue 24): the W3C trace id of the request that opened a data-plane session
-- (the client's traceparent, or the server's own trace when it sent none), shown on the timeline's session entries.
ALTER TABLE connection_logs ADD COLUMN trace_id text;
