namespace Outpost.Testing;

/// <summary>
/// Triggers that record, from the database's side, every claim and every completion of a job: a
/// row in <c>counted_claims</c> whenever a job's <c>started_at</c> changes with a worker set, and in
/// <c>counted_completions</c> whenever its <c>completed_at</c> changes. A second claim or a second
/// completion of one job shows up as a second row, however it happened.
/// </summary>
/// <remarks>
/// Shared by the PostgreSQL restart test and the queue benchmark's chaos run (which compiles this
/// file in). Install it only where it is wanted: it adds a row insert to every claim and completion.
/// </remarks>
internal static class JobCounters
{
    public const string Install = """
        CREATE TABLE counted_claims (job_id uuid NOT NULL, worker_name text, at timestamptz NOT NULL);
        CREATE TABLE counted_completions (job_id uuid NOT NULL, error text, at timestamptz NOT NULL);
        CREATE FUNCTION count_job_changes() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.started_at IS DISTINCT FROM OLD.started_at AND NEW.worker_name IS NOT NULL THEN
                INSERT INTO counted_claims VALUES (NEW.id, NEW.worker_name, clock_timestamp());
            END IF;
            IF NEW.completed_at IS DISTINCT FROM OLD.completed_at THEN
                INSERT INTO counted_completions VALUES (NEW.id, NEW.error, clock_timestamp());
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER count_job_changes AFTER UPDATE ON provisioner_jobs FOR EACH ROW EXECUTE FUNCTION count_job_changes();
        """;
}
