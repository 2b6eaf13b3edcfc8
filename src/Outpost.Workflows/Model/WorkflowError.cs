namespace Outpost.Workflows.Model;

/// <summary>One problem in a workflow file: where (file, line, column, the path of the field inside it) and the rule it breaks.</summary>
internal sealed record WorkflowError(string File, int Line, int Column, string Path, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Path}: {Message}";
}
