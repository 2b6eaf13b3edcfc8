using System.Globalization;
using Outpost.Workflows.Engine;
using Outpost.Workflows.Model;

namespace Outpost.Workflows.Records;

/// <summary>
/// A run record as a plain tree (mappings, lists, strings, numbers, booleans, null), the form it is
/// written in (YAML), shown in (<c>--output json</c>) and read back from disk.
/// </summary>
internal static class RunRecord
{
    /// <summary>The record of <paramref name="run"/> as it stands; each job's steps are read under the job's lock, as the engine writes them.</summary>
    public static Dictionary<string, object?> Of(WorkflowRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var record = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = run.Id.ToString("D"),
            ["workflowId"] = run.WorkflowId.ToString("D"),
            ["workflowName"] = run.Workflow,
            ["status"] = Status(run.Status),
        };
        if (run.Reason is { } reason)
        {
            record["reason"] = reason;
        }

        record["depth"] = (long)run.Depth;
        Timings(record, run.StartedAt, run.CompletedAt);
        record["inputs"] = run.Inputs;
        record["jobs"] = run.Jobs.Select(job =>
        {
            lock (job)
            {
                return (object?)new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["name"] = job.Name,
                    ["status"] = Status(job.Status),
                    ["steps"] = job.Steps.Select(Step).ToList(),
                };
            }
        }).ToList();
        return record;
    }

    private static object? Step(StepRun step)
    {
        var record = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = step.Name,
            ["status"] = Status(step.Status),
        };
        Optional(record, "model", step.Model);
        Optional(record, "method", step.Method);
        Optional(record, "driver", step.Driver);
        if (step.StartedAt is { } started)
        {
            Timings(record, started, step.CompletedAt);
        }

        Optional(record, "error", step.Error);
        if (step.AllowedFailure)
        {
            record["allowedFailure"] = true;
        }

        if (step.DataNames.Count > 0)
        {
            record["dataNames"] = step.DataNames.Cast<object?>().ToList();
        }

        Optional(record, "nestedRunId", step.NestedRunId?.ToString("D"));
        if (step.Outputs.Count > 0)
        {
            record["outputs"] = step.Outputs;
        }

        return record;
    }

    public static string Status(RunStatus status) => status.ToString().ToLowerInvariant();

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static void Timings(Dictionary<string, object?> record, DateTimeOffset started, DateTimeOffset? completed)
    {
        record["startedAt"] = Timestamp(started);
        if (completed is { } end)
        {
            record["completedAt"] = Timestamp(end);
            record["durationMs"] = (long)(end - started).TotalMilliseconds;
        }
    }

    private static void Optional(Dictionary<string, object?> record, string key, string? value)
    {
        if (value is not null)
        {
            record[key] = value;
        }
    }

    /// <summary>A string field of a record read back, or null.</summary>
    public static string? Text(IReadOnlyDictionary<string, object?> record, string key) => record.GetValueOrDefault(key) as string;

    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Children(IReadOnlyDictionary<string, object?> record, string key) =>
        record.GetValueOrDefault(key) is IReadOnlyList<object?> list ? [.. list.OfType<IReadOnlyDictionary<string, object?>>()] : [];
}
