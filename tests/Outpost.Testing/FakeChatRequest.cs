using System.Text.Json.Nodes;

namespace Outpost.Testing;

/// <summary>A request <see cref="FakeChatProvider"/> received: its Authorization header, its raw body and the conversation in it.</summary>
public sealed record FakeChatRequest
{
    /// <summary>The Authorization header as sent (<c>Bearer …</c>); empty when none.</summary>
    public required string Authorization { get; init; }

    /// <summary>The body exactly as received, to assert what is (not) in it.</summary>
    public required string Body { get; init; }

    public string? Model { get; init; }

    public bool Stream { get; init; }

    /// <summary>The conversation sent, oldest first.</summary>
    public required IReadOnlyList<FakeChatMessage> Messages { get; init; }

    /// <summary>The names of the tools offered.</summary>
    public required IReadOnlyList<string> ToolNames { get; init; }

    /// <summary>The last message of the conversation.</summary>
    public FakeChatMessage Last => Messages[^1];

    /// <summary>The <c>tool</c> messages (results), oldest first.</summary>
    public IEnumerable<FakeChatMessage> ToolResults => Messages.Where(m => m.Role == "tool");

    internal static FakeChatRequest Parse(string authorization, string body)
    {
        JsonNode? json = null;
        try
        {
            json = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            // Recorded as it came; the test sees an empty conversation.
        }

        var messages = json?["messages"]?.AsArray().Select(m => new FakeChatMessage
        {
            Role = (string?)m?["role"] ?? string.Empty,
            Content = m?["content"] is JsonValue content ? (string?)content : null,
            ToolCallId = (string?)m?["tool_call_id"],
            ToolCalls = m?["tool_calls"]?.AsArray().Select(c => new FakeChatToolCall(
                (string?)c?["id"] ?? string.Empty,
                (string?)c?["function"]?["name"] ?? string.Empty,
                (string?)c?["function"]?["arguments"] ?? string.Empty)).ToList() ?? [],
        }).ToList() ?? [];
        return new FakeChatRequest
        {
            Authorization = authorization,
            Body = body,
            Model = (string?)json?["model"],
            Stream = json?["stream"] is JsonValue stream && stream.TryGetValue<bool>(out var s) && s,
            Messages = messages,
            ToolNames = json?["tools"]?.AsArray().Select(t => (string?)t?["function"]?["name"] ?? string.Empty).ToList() ?? [],
        };
    }
}

/// <summary>One message of a recorded conversation.</summary>
public sealed record FakeChatMessage
{
    public required string Role { get; init; }

    public string? Content { get; init; }

    public string? ToolCallId { get; init; }

    public IReadOnlyList<FakeChatToolCall> ToolCalls { get; init; } = [];
}

/// <summary>A tool call as the client sent it back in the conversation.</summary>
public sealed record FakeChatToolCall(string Id, string Name, string Arguments);
