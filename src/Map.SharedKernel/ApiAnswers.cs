namespace Map.SharedKernel;

/// <summary><c>{"status":"ok"}</c>: the legacy acknowledgement of a change, named so the OpenAPI document shows it.</summary>
public sealed record StatusOk
{
    public static StatusOk Value { get; } = new();

    public string Status => "ok";
}
