using System.Text.Json;
using System.Text.Json.Serialization;

namespace Outpost.Agent.Tasks;

/// <summary>One message of an OpenAI-compatible conversation: <c>system</c>, <c>user</c>, <c>assistant</c> (text and/or tool calls) or <c>tool</c> (a result).</summary>
internal sealed record ChatMessage
{
    public required string Role { get; init; }

    /// <summary>The text; null on an assistant message that only calls tools.</summary>
    public string? Content { get; init; }

    public IReadOnlyList<ChatToolCall>? ToolCalls { get; init; }

    /// <summary>On a <c>tool</c> message: the call it answers.</summary>
    public string? ToolCallId { get; init; }

    public static ChatMessage System(string content) => new() { Role = "system", Content = content };

    public static ChatMessage User(string content) => new() { Role = "user", Content = content };

    public static ChatMessage Assistant(string? content, IReadOnlyList<ChatToolCall>? toolCalls) =>
        new() { Role = "assistant", Content = content, ToolCalls = toolCalls is { Count: > 0 } ? toolCalls : null };

    public static ChatMessage Tool(string toolCallId, string content) => new() { Role = "tool", Content = content, ToolCallId = toolCallId };

    /// <summary>Roughly what the message weighs in the request, in UTF-16 characters; the conversation bound counts this.</summary>
    [JsonIgnore]
    public int Size => (Content?.Length ?? 0) + (ToolCalls?.Sum(c => c.Function.Name.Length + c.Function.Arguments.Length + c.Id.Length) ?? 0) + 32;
}

/// <summary>A tool call of an assistant message, assembled from the stream.</summary>
internal sealed record ChatToolCall
{
    public required string Id { get; init; }

    public string Type { get; init; } = "function";

    public required ChatFunctionCall Function { get; init; }
}

internal sealed record ChatFunctionCall
{
    public required string Name { get; init; }

    /// <summary>The arguments as the model wrote them: JSON text, not necessarily valid.</summary>
    public required string Arguments { get; init; }
}

/// <summary>A tool offered to the model.</summary>
internal sealed record ChatTool
{
    public string Type { get; init; } = "function";

    public required ChatFunction Function { get; init; }
}

internal sealed record ChatFunction
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    /// <summary>The JSON schema of the arguments.</summary>
    public required JsonElement Parameters { get; init; }
}

/// <summary>The body of <c>POST {base}/chat/completions</c>.</summary>
internal sealed record ChatRequest
{
    public required string Model { get; init; }

    public required IReadOnlyList<ChatMessage> Messages { get; init; }

    public bool Stream { get; init; } = true;

    public IReadOnlyList<ChatTool>? Tools { get; init; }
}

/// <summary>One <c>data:</c> payload of the stream.</summary>
internal sealed record ChatChunk
{
    public IReadOnlyList<ChatChunkChoice>? Choices { get; init; }
}

internal sealed record ChatChunkChoice
{
    public int Index { get; init; }

    public ChatChunkDelta? Delta { get; init; }

    public string? FinishReason { get; init; }
}

internal sealed record ChatChunkDelta
{
    public string? Role { get; init; }

    public string? Content { get; init; }

    public IReadOnlyList<ChatChunkToolCall>? ToolCalls { get; init; }
}

/// <summary>A piece of a tool call: the first piece of an index carries its id and name, later ones more of its arguments.</summary>
internal sealed record ChatChunkToolCall
{
    public int Index { get; init; }

    public string? Id { get; init; }

    public ChatChunkFunction? Function { get; init; }
}

internal sealed record ChatChunkFunction
{
    public string? Name { get; init; }

    public string? Arguments { get; init; }
}

/// <summary>A provider's error body (<c>{"error":{"message":…}}</c>).</summary>
internal sealed record ChatErrorBody
{
    public ChatError? Error { get; init; }
}

internal sealed record ChatError
{
    public string? Message { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatRequest))]
[JsonSerializable(typeof(ChatChunk))]
[JsonSerializable(typeof(ChatErrorBody))]
internal sealed partial class ChatJsonContext : JsonSerializerContext;
