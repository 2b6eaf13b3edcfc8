using Outpost.Sdk.Provisioning;

namespace Outpost.Sdk.Parameters;

/// <summary>
/// Decides a build's parameter values: the user's value, else the previous build's, else the
/// default. Every problem is reported at once so one retry can fix them all.
/// </summary>
public static class ParameterResolver
{
    /// <summary>Resolves every parameter of a template version for a build.</summary>
    /// <param name="parameters">The template version's parameters, in order.</param>
    /// <param name="previous">The previous build's values by name, or null for a first build.</param>
    /// <param name="supplied">The values the user gave.</param>
    /// <returns>The values, or every problem.</returns>
    public static ParameterResolution Resolve(
        IReadOnlyList<TemplateVersionParameter> parameters,
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
    /// <param name="text">The text as given on a command line.</param>
    /// <returns>The assignment, or the problem.</returns>
    public static (ParameterAssignment? Assignment, ParameterError? Error) ParseAssignment(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var name = equals < 0 ? "" : text[..equals].Trim();
        return name.Length == 0
            ? (null, new ParameterError(null, $"\"{text}\" is not name=value"))
            : (new ParameterAssignment(name, text[(equals + 1)..]), null);
    }

    /// <summary>Parses every <c>name=value</c>, collecting every problem.</summary>
    /// <param name="texts">The texts as given on a command line.</param>
    /// <returns>The assignments and the problems.</returns>
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

    private static ResolvedParameter? ResolveSupplied(TemplateVersionParameter parameter, string value, string? earlier, List<ParameterError> errors)
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

    private static ResolvedParameter? ResolveCarried(TemplateVersionParameter parameter, string? earlier, List<ParameterError> errors)
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

        if (parameter.DefaultValue is null)
        {
            errors.Add(new ParameterError(
                parameter.Name,
                $"parameter \"{parameter.Name}\" is required: it has no default, so give it a value"));
            return null;
        }

        return new ResolvedParameter(parameter.Name, parameter.DefaultValue, ParameterSource.Default);
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
