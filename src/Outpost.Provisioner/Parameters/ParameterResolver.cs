using Outpost.Provisioner.Templates;

namespace Outpost.Provisioner.Parameters;

/// <summary>
/// Decides a build's parameter values: the user's value, else the previous build's, else the
/// default. Every problem is reported at once so one retry can fix them all.
/// </summary>
internal static class ParameterResolver
{
    public static ParameterResolution Resolve(
        IReadOnlyList<TemplateParameter> parameters,
        IReadOnlyDictionary<string, string>? previous,
        IReadOnlyList<ParameterAssignment> supplied)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(supplied);

        var errors = new List<ParameterError>();
        var byName = parameters.ToDictionary(parameter => parameter.Name, StringComparer.Ordinal);
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var assignment in supplied)
        {
            if (!byName.ContainsKey(assignment.Name))
            {
                errors.Add(new ParameterError(assignment.Name, Unknown(assignment.Name, byName.Keys)));
            }
            else if (!given.TryAdd(assignment.Name, assignment.Value))
            {
                errors.Add(new ParameterError(assignment.Name, $"parameter \"{assignment.Name}\" is given more than once"));
            }
        }

        var values = new List<ResolvedParameter>();
        foreach (var parameter in parameters)
        {
            string? earlier = null;
            previous?.TryGetValue(parameter.Name, out earlier);
            var resolved = given.TryGetValue(parameter.Name, out var user)
                ? ResolveSupplied(parameter, user, earlier, errors)
                : ResolveCarried(parameter, earlier, errors);
            if (resolved is not null)
            {
                values.Add(resolved);
            }
        }

        return errors.Count == 0 ? new ParameterResolution { Values = values } : new ParameterResolution { Errors = errors };
    }

    /// <summary>Splits <c>name=value</c> at the first <c>=</c>, so values may contain <c>=</c> themselves.</summary>
    public static (ParameterAssignment? Assignment, ParameterError? Error) ParseAssignment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? "" : text[..equals].Trim();
        return name.Length == 0
            ? (null, new ParameterError(null, $"\"{text}\" is not name=value"))
            : (new ParameterAssignment(name, text[(equals + 1)..]), null);
    }

    public static (IReadOnlyList<ParameterAssignment> Assignments, IReadOnlyList<ParameterError> Errors) ParseAssignments(
        IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);

        var assignments = new List<ParameterAssignment>();
        var errors = new List<ParameterError>();
        foreach (var text in texts)
        {
            var (assignment, error) = ParseAssignment(text);
            if (assignment is not null)
            {
                assignments.Add(assignment);
            }
            else
            {
                errors.Add(error!);
            }
        }

        return (assignments, errors);
    }

    private static ResolvedParameter? ResolveSupplied(TemplateParameter parameter, string value, string? earlier, List<ParameterError> errors)
    {
        if (ParameterValueCheck.Check(parameter.Type, parameter.Options, value, out var normalized) is { } problem)
        {
            errors.Add(new ParameterError(parameter.Name, $"parameter \"{parameter.Name}\": {problem}"));
            return null;
        }

        if (!parameter.Mutable && earlier is not null && !ParameterValueCheck.SameValue(parameter.Type, earlier, normalized))
        {
            errors.Add(new ParameterError(
                parameter.Name,
                $"parameter \"{parameter.Name}\" is immutable: it is \"{earlier}\" and cannot change to \"{value}\""));
            return null;
        }

        return new ResolvedParameter(parameter.Name, normalized, ParameterSource.User);
    }

    private static ResolvedParameter? ResolveCarried(TemplateParameter parameter, string? earlier, List<ParameterError> errors)
    {
        if (earlier is not null)
        {
            // A new template version may have narrowed the options since the last build.
            if (ParameterValueCheck.Check(parameter.Type, parameter.Options, earlier, out var normalized) is { } problem)
            {
                errors.Add(new ParameterError(
                    parameter.Name,
                    $"parameter \"{parameter.Name}\": the previous build's value is no longer valid ({problem}); give a new value"));
                return null;
            }

            return new ResolvedParameter(parameter.Name, normalized, ParameterSource.Previous);
        }

        if (parameter.Default is null)
        {
            errors.Add(new ParameterError(
                parameter.Name,
                $"parameter \"{parameter.Name}\" is required: it has no default, so give it a value"));
            return null;
        }

        return new ResolvedParameter(parameter.Name, parameter.Default, ParameterSource.Default);
    }

    private static string Unknown(string name, IEnumerable<string> known)
    {
        var names = known.ToList();
        if (names.Count == 0)
        {
            return $"unknown parameter \"{name}\": the template has no parameters";
        }

        return $"unknown parameter \"{name}\"{NameSuggestions.DidYouMean(name, names)}; the template has {string.Join(", ", names)}";
    }
}
