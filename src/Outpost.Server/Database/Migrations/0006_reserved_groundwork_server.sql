-- Placeholder so that 0009 applies on the sdk-rules branch (migrations are numbered 1..N without
-- gaps). Number 0006 is reserved for the groundwork_server branch: delete this file when its real 0006 is merged.
SELECT 1;
