using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Outpost.Provisioner.Templates;

/// <summary>Collects every problem in one file, so an author fixes them in one pass.</summary>
internal sealed class TemplateErrorList(string file)
{
    private readonly List<TemplateError> _errors = [];

    public string File { get; } = file;

    public int Count => _errors.Count;

    /// <summary>In file order, which is how an author reads and fixes them.</summary>
    public IReadOnlyList<TemplateError> Errors =>
        [.. _errors.OrderBy(error => error.Line).ThenBy(error => error.Column)];

    public void Add(Mark at, string message) =>
        _errors.Add(new TemplateError(File, checked((int)at.Line), checked((int)at.Column), message));

    public void Add(YamlNode at, string message) => Add(at.Start, message);
}
