using System.Globalization;
using System.Text.Json;
using Map.Modules.Markers.Domain;
using Map.SharedKernel;
using Microsoft.AspNetCore.Http;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>
/// The fields of a legacy request body, whatever its encoding: a JSON object (read leniently, invalid JSON counts
/// as <c>{}</c>), or form fields (multipart or url-encoded; the predecessor lost the fields of a multipart body
/// without a file). Field aliases are resolved by the callers.
/// </summary>
internal sealed class RequestFields
{
    private readonly JsonElement? json;
    private readonly IFormCollection? form;

    private RequestFields(JsonElement? json, IFormCollection? form)
    {
        this.json = json;
        this.form = form;
    }

    public IFormFileCollection Files => form?.Files ?? EmptyFiles.Instance;

    public static async Task<RequestFields> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HasFormContentType)
        {
            try
            {
                return new RequestFields(null, await request.ReadFormAsync(cancellationToken));
            }
            catch (InvalidDataException)
            {
                throw ApiException.BadRequest("invalid form body");
            }
        }

        return new RequestFields(await JsonBodies.ReadObjectAsync(request, lenient: true, cancellationToken), null);
    }

    public bool Has(string name) => form is not null ? form.ContainsKey(name) : json!.Value.TryGetProperty(name, out _);

    /// <summary>The raw JSON value (JSON bodies only).</summary>
    public JsonElement? Json(string name) =>
        json is { } body && body.TryGetProperty(name, out var value) ? value : null;

    /// <summary>
    /// A text field: a form value, a JSON string, or a JSON number/bool as its text (ids sent as numbers);
    /// null when absent or JSON null. A JSON object or array is a 400 naming the field.
    /// </summary>
    public string? Text(string name)
    {
        if (form is not null)
        {
            return form.TryGetValue(name, out var values) ? values.ToString() : null;
        }

        if (!json!.Value.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw ApiException.BadRequest($"{name} must be a string"),
        };
    }

    /// <summary>The first non-empty of the aliases (e.g. <c>name</c>|<c>address</c>).</summary>
    public string? FirstText(params string[] aliases)
    {
        foreach (var alias in aliases)
        {
            if (Text(alias) is { } value && !string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        return null;
    }

    public CoordinateInput Coordinate(string name) =>
        form is not null ? CoordinateInput.Parse(Text(name)) : CoordinateInput.Parse(Json(name));

    /// <summary><c>1</c>, <c>true</c>, <c>yes</c>, <c>on</c> (any case) or JSON true.</summary>
    public bool Flag(string name) => Text(name)?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";

    /// <summary>An optional integer id; empty or unparsable → null (the legacy <c>zone_id</c> rule).</summary>
    public int? LenientInt(string name) =>
        int.TryParse(Text(name)?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The first file part among the aliases (<c>photo</c>|<c>file</c>), if any.</summary>
    public IFormFile? File(params string[] aliases) =>
        aliases.Select(alias => Files.GetFile(alias)).FirstOrDefault(file => file is not null);

    private sealed class EmptyFiles : List<IFormFile>, IFormFileCollection
    {
        public static readonly EmptyFiles Instance = [];

        public IFormFile? this[string name] => null;

        public IFormFile? GetFile(string name) => null;

        public IReadOnlyList<IFormFile> GetFiles(string name) => [];
    }
}
