-- Issue 24: the W3C traceparent of the span that queued a job, so the daemon continues the caller's trace.
ALTER TABLE provisioner_jobs ADD COLUMN trace_context text;
