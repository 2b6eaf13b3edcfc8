-- Whether anyone has followed the job's logs. Log and end-of-job notifications are published only
-- for followed jobs: a NOTIFY wakes every listening backend, and most jobs are never watched.
-- Set by a follower before it first reads, under the row lock the job's writers also take, so a
-- writer either sees it or the follower's first read sees what the writer committed.
ALTER TABLE provisioner_jobs ADD COLUMN followed boolean NOT NULL DEFAULT false;
