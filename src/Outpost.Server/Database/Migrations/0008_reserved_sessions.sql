-- Placeholder so that 0009 applies on the sdk-rules branch (migrations are numbered 1..N without
-- gaps). Number 0008 is reserved for the sessions branch: delete this file when its real 0008 is merged.
SELECT 1;
