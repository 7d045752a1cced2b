namespace Map.Modules.Admin.Http;

/// <summary>
/// Admin endpoints read their JSON object bodies strictly (with the shared <see cref="RequestBody"/>): malformed
/// JSON, a non-object, duplicate or unknown fields, and a body over <see cref="MaxBytes"/> are a 400
/// <c>{"error": ...}</c> before anything is written (400 rather than 413, as before).
/// </summary>
internal static class AdminBody
{
    /// <summary>Admin bodies are a few fields (a zone list at most); 32 KiB is far above any honest request.</summary>
    public const int MaxBytes = 32 * 1024;

    public static BodyRules Strict(params string[] fields) => new()
    {
        Strict = true,
        KnownFields = fields,
        MaxBytes = MaxBytes,
        MaxDepth = 8,
        TooLargeStatus = 400,
        TooLargeError = "request body too large",
    };
}
