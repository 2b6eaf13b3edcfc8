-- Placeholder so that 0009 applies on the sdk-rules branch (migrations are numbered 1..N without
-- gaps). Number 0007 is reserved for the hardening branch: delete this file when its real 0007 is merged.
SELECT 1;
