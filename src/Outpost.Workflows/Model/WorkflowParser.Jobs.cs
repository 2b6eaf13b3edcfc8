using YamlDotNet.RepresentationModel;

namespace Outpost.Workflows.Model;

internal static partial class WorkflowParser
{
    private static readonly string[] StepKeys = ["name", "description", "task", "forEach", "dependsOn", "weight", "concurrency", "dataOutputOverrides", "allowFailure", "driver", "driverConfig"];
    private static readonly string[] ModelMethodKeys = ["type", "modelIdOrName", "methodName", "inputs"];
    private static readonly string[] WorkflowTaskKeys = ["type", "workflowIdOrName", "inputs"];
    private static readonly string[] ForEachKeys = ["item", "in"];
    private static readonly string[] ConditionKeys = ["type", "conditions", "condition"];

    private static JobDefinition ReadJob(YamlMap job)
    {
        var steps = new List<StepDefinition>();
        var stepNodes = job.Sequence("steps");
        if (stepNodes.Count == 0 && job.Get("steps") is null or YamlSequenceNode)
        {
            job.Error(job.Get("steps") ?? job.Node, YamlMap.Join(job.Path, "steps"), "must list at least one step");
        }

        for (var i = 0; i < stepNodes.Count; i++)
        {
            if (job.Mapping(stepNodes[i], $"{job.Path}.steps[{i}]", StepKeys) is { } step && ReadStep(step) is { } read)
            {
                steps.Add(read);
            }
        }

        return new JobDefinition
        {
            Name = job.String("name", required: true) ?? string.Empty,
            Description = job.String("description", nonEmpty: false) ?? string.Empty,
            Steps = steps,
            DependsOn = ReadDependencies(job, "job"),
            Weight = job.Number("weight"),
            Concurrency = job.Integer("concurrency", 0),
            Driver = job.String("driver"),
            Line = job.Line,
        };
    }

    private static StepDefinition? ReadStep(YamlMap step)
    {
        var name = step.String("name", required: true) ?? string.Empty;
        var task = step.Get("task") is { } taskNode ? ReadTask(step, taskNode) : null;
        if (step.Get("task") is null)
        {
            step.Error(step.Node, YamlMap.Join(step.Path, "task"), "is required");
        }

        ForEachClause? forEach = null;
        if (step.Get("forEach") is { } forEachNode && step.Mapping(forEachNode, YamlMap.Join(step.Path, "forEach"), ForEachKeys) is { } map)
        {
            var item = map.String("item", required: true);
            var source = map.String("in", required: true);
            if (item is not null && !IsIdentifier(item))
            {
                map.Error(map.Get("item")!, YamlMap.Join(map.Path, "item"), "must be a variable name (letters, digits and '_', not starting with a digit)");
            }

            if (source is not null && !source.Contains("${{", StringComparison.Ordinal))
            {
                map.Error(map.Get("in")!, YamlMap.Join(map.Path, "in"), "must be a ${{ }} expression giving a list or a mapping");
            }

            forEach = item is null || source is null ? null : new ForEachClause(item, source);
        }

        var overrides = new List<DataOutputOverride>();
        foreach (var (overrideNode, index) in step.Sequence("dataOutputOverrides").Select((node, index) => (node, index)))
        {
            if (ReadOverride(step, overrideNode, $"{step.Path}.dataOutputOverrides[{index}]") is { } dataOverride)
            {
                overrides.Add(dataOverride);
            }
        }

        // Every field is read (and checked) even when the task is unusable, so all errors show at once.
        var read = new StepDefinition
        {
            Name = name,
            Description = step.String("description", nonEmpty: false) ?? string.Empty,
            Task = task ?? new StepTask.Workflow(string.Empty),
            ForEach = forEach,
            DependsOn = ReadDependencies(step, "step"),
            Weight = step.Number("weight"),
            Concurrency = step.Integer("concurrency", 0),
            AllowFailure = step.Boolean("allowFailure"),
            Driver = step.String("driver"),
            DataOutputOverrides = overrides,
            Line = step.Line,
        };
        return task is null ? null : read;
    }

    /// <summary>
    /// <c>dataOutputOverrides</c> (spec §9.4: <c>specName</c> required, <c>vary</c> non-empty keys);
    /// <c>vary</c> is acted on (§9.10), <c>lifetime</c>, <c>garbageCollection</c> and <c>tags</c> are only checked for shape.
    /// </summary>
    private static DataOutputOverride? ReadOverride(YamlMap step, YamlNode node, string path)
    {
        if (step.Mapping(node, path, ["specName", "lifetime", "garbageCollection", "tags", "vary"]) is not { } map)
        {
            return null;
        }

        var specName = map.String("specName", required: true);
        var vary = new List<string>();
        foreach (var key in map.Sequence("vary"))
        {
            if (key is not YamlScalarNode { Value: { } text } || text.Trim().Length == 0)
            {
                map.Error(key, YamlMap.Join(path, "vary"), "must list non-empty input names");
            }
            else
            {
                vary.Add(text);
            }
        }

        return specName is null ? null : new DataOutputOverride(specName, vary);
    }

    private static StepTask? ReadTask(YamlMap step, YamlNode node)
    {
        var path = YamlMap.Join(step.Path, "task");
        if (node is not YamlMappingNode mapping)
        {
            step.Error(node, path, "must be a mapping with a type");
            return null;
        }

        var type = mapping.Children.TryGetValue(new YamlScalarNode("type"), out var typeNode) ? (typeNode as YamlScalarNode)?.Value : null;
        switch (type)
        {
            case "model_method":
            {
                var task = step.Mapping(node, path, ModelMethodKeys)!;
                var model = task.String("modelIdOrName", required: true);
                var method = task.String("methodName", required: true);
                return model is null || method is null ? null : new StepTask.ModelMethod(model, method) { Inputs = ReadTaskInputs(task) };
            }

            case "workflow":
            {
                var task = step.Mapping(node, path, WorkflowTaskKeys)!;
                var workflow = task.String("workflowIdOrName", required: true);
                return workflow is null ? null : new StepTask.Workflow(workflow) { Inputs = ReadTaskInputs(task) };
            }

            case "shell":
                step.Error(typeNode!, YamlMap.Join(path, "type"), ShellRefusal);
                return null;
            default:
                step.Error(typeNode ?? node, YamlMap.Join(path, "type"), type is null ? "is required: model_method or workflow" : $"unknown task type \"{type}\"; expected model_method or workflow");
                return null;
        }
    }

    private static IReadOnlyDictionary<string, object?> ReadTaskInputs(YamlMap task)
    {
        if (task.Get("inputs") is not { } node)
        {
            return new Dictionary<string, object?>();
        }

        if (YamlMap.Value(node) is IReadOnlyDictionary<string, object?> inputs)
        {
            return inputs;
        }

        task.Error(node, YamlMap.Join(task.Path, "inputs"), "must be a mapping of input names to values");
        return new Dictionary<string, object?>();
    }

    /// <summary><c>dependsOn</c> items: <c>{job|step: name, condition: …}</c>; a condition is a leaf name or <c>{type, conditions|condition}</c>.</summary>
    private static List<Dependency> ReadDependencies(YamlMap owner, string target)
    {
        var dependencies = new List<Dependency>();
        var items = owner.Sequence("dependsOn");
        for (var i = 0; i < items.Count; i++)
        {
            var path = $"{YamlMap.Join(owner.Path, "dependsOn")}[{i}]";
            if (owner.Mapping(items[i], path, [target, "condition"]) is not { } item)
            {
                continue;
            }

            var name = item.String(target, required: true);
            var condition = item.Get("condition") is { } node ? ReadCondition(item, node, YamlMap.Join(path, "condition"), 1) : null;
            if (name is not null)
            {
                dependencies.Add(new Dependency(name, condition));
            }
        }

        return dependencies;
    }

    private static TriggerCondition? ReadCondition(YamlMap owner, YamlNode node, string path, int depth)
    {
        if (depth > MaxConditionDepth)
        {
            owner.Error(node, path, $"conditions nest at most {MaxConditionDepth} deep");
            return null;
        }

        if (node is YamlScalarNode { Value: { } leaf })
        {
            if (leaf is "always" or "succeeded" or "failed" or "completed" or "skipped")
            {
                return new TriggerCondition.Leaf(leaf);
            }

            owner.Error(node, path, $"unknown condition \"{leaf}\"; expected one of {string.Join(", ", TriggerCondition.Kinds)}");
            return null;
        }

        if (owner.Mapping(node, path, ConditionKeys) is not { } map)
        {
            return null;
        }

        var type = map.String("type", required: true);
        switch (type)
        {
            case "and" or "or":
            {
                var children = map.Sequence("conditions");
                if (children.Count < 2)
                {
                    map.Error(map.Get("conditions") ?? map.Node, YamlMap.Join(path, "conditions"), $"\"{type}\" needs at least 2 conditions");
                    return null;
                }

                var read = children.Select((child, index) => ReadCondition(map, child, $"{path}.conditions[{index}]", depth + 1)).ToList();
                if (read.Any(condition => condition is null))
                {
                    return null;
                }

                return type == "and" ? new TriggerCondition.And(read!) : new TriggerCondition.Or(read!);
            }

            case "not":
                if (map.Get("condition") is not { } inner)
                {
                    map.Error(map.Node, YamlMap.Join(path, "condition"), "\"not\" needs one condition");
                    return null;
                }

                return ReadCondition(map, inner, YamlMap.Join(path, "condition"), depth + 1) is { } negated ? new TriggerCondition.Not(negated) : null;
            case null:
                return null;
            default:
                if (type is "always" or "succeeded" or "failed" or "completed" or "skipped")
                {
                    return new TriggerCondition.Leaf(type);
                }

                map.Error(map.Get("type")!, YamlMap.Join(path, "type"), $"unknown condition \"{type}\"; expected one of {string.Join(", ", TriggerCondition.Kinds)}");
                return null;
        }
    }

    public static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
