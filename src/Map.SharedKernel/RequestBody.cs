using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Primitives;

namespace Map.SharedKernel;

/// <summary>How one endpoint reads its body (see <see cref="RequestBody"/>).</summary>
public sealed record BodyRules
{
    /// <summary>Enough for every form of text a JSON endpoint takes (10,000-character notes fully escaped).</summary>
    public const long DefaultMaxBytes = 256 * 1024;

    /// <summary>Legacy bot and UI routes: JSON whatever the content type; absent or malformed JSON counts as <c>{}</c>.</summary>
    public static readonly BodyRules LenientJson = new();

    /// <summary>Malformed JSON or a non-object is a 400 <c>invalid json</c>; an absent body is <c>{}</c>.</summary>
    public static readonly BodyRules StrictJson = new() { Strict = true };

    /// <summary>JSON (lenient) or form fields (url-encoded or multipart, with files).</summary>
    public static readonly BodyRules JsonOrForm = new() { AcceptsForm = true };

    /// <summary>Malformed JSON or a non-JSON-object body is refused instead of counting as <c>{}</c>.</summary>
    public bool Strict { get; init; }

    /// <summary>Url-encoded and multipart bodies are read as form fields (and files); otherwise the body is JSON.</summary>
    public bool AcceptsForm { get; init; }

    /// <summary>When set, a JSON field outside this list is a 400 <c>unknown field: name</c>; duplicates are refused too.</summary>
    public IReadOnlyCollection<string>? KnownFields { get; init; }

    /// <summary>The most bytes read from the body (declared or not); past it, <see cref="TooLargeStatus"/>.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    public int TooLargeStatus { get; init; } = StatusCodes.Status413PayloadTooLarge;

    public string TooLargeError { get; init; } = "payload too large";

    public int MaxDepth { get; init; } = 32;
}

/// <summary>
/// The one body reader every module uses: a JSON object or form fields (url-encoded or multipart), read under a
/// per-endpoint byte cap counted on the bytes actually read. It is also where input that cannot be stored is
/// refused with a 400 in the legacy <c>{"error": ...}</c> body, before any handler runs: invalid UTF-8, lone
/// surrogates (<c>"\ud800"</c>), NUL characters (PostgreSQL 22021), and broken multipart bodies. Field aliases are
/// read with <see cref="FirstText"/> and <see cref="File"/>.
/// </summary>
public sealed class RequestBody
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    private readonly JsonElement? json;
    private readonly IFormCollection? form;

    private RequestBody(JsonElement? json, IFormCollection? form)
    {
        this.json = json;
        this.form = form;
    }

    /// <summary>A body with no fields.</summary>
    public static RequestBody Empty { get; } = new(EmptyObject, null);

    public bool IsForm => form is not null;

    /// <summary>The JSON object (<c>{}</c> for a form body).</summary>
    public JsonElement Root => json ?? EmptyObject;

    public IFormFileCollection Files => form?.Files ?? EmptyFiles.Instance;

    public static async Task<RequestBody> ReadAsync(HttpRequest request, BodyRules rules, CancellationToken cancellationToken)
    {
        if (request.ContentLength > rules.MaxBytes)
        {
            throw TooLarge(rules);
        }

        if (rules.AcceptsForm && request.HasFormContentType)
        {
            return new RequestBody(null, await ReadFormAsync(request, rules, cancellationToken));
        }

        var bytes = await ReadCappedAsync(request.Body, rules, cancellationToken);
        return bytes.Length == 0 ? Empty : new RequestBody(ParseJson(bytes, rules), null);
    }

    /// <summary>A JSON text already in hand (e.g. a form field holding JSON), checked like a body.</summary>
    public static RequestBody FromJson(ReadOnlySpan<byte> utf8, BodyRules rules) => new(ParseJson(utf8.ToArray(), rules), null);

    public bool Has(string name) => form is not null ? form.ContainsKey(name) : Root.TryGetProperty(name, out _);

    /// <summary>The raw JSON value (JSON bodies only); null when absent.</summary>
    public JsonElement? Json(string name) => json is { } body && body.TryGetProperty(name, out var value) ? value : null;

    /// <summary>A nested JSON object as a body of its own; null when absent or not an object.</summary>
    public RequestBody? Object(string name) =>
        Json(name) is { ValueKind: JsonValueKind.Object } value ? new RequestBody(value, null) : null;

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

        if (!Root.TryGetProperty(name, out var value))
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
            _ => throw WrongType(name, "a string"),
        };
    }

    /// <summary>A string; null when absent or JSON null; 400 <c>name must be a string</c> for any other JSON type.</summary>
    public string? String(string name)
    {
        if (form is not null)
        {
            return Text(name);
        }

        return Json(name) is not { } value || value.ValueKind == JsonValueKind.Null
            ? null
            : value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongType(name, "a string");
    }

    /// <summary>The first non-blank of the aliases (e.g. <c>name</c>|<c>address</c>).</summary>
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

    /// <summary>A boolean; null when absent or JSON null; 400 for any other type (no truthiness guessing).</summary>
    public bool? Boolean(string name) => Json(name) is not { } value || value.ValueKind == JsonValueKind.Null
        ? null
        : value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, "true or false"),
        };

    /// <summary><c>1</c>, <c>true</c>, <c>yes</c>, <c>on</c> (any case) or JSON true.</summary>
    public bool Flag(string name) => Text(name)?.Trim().ToLowerInvariant() is "1" or "true" or "yes" or "on";

    /// <summary>An optional integer; empty or unparsable → null (the legacy <c>zone_id</c> rule).</summary>
    public int? LenientInt(string name) =>
        int.TryParse(Text(name)?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>An array of positive integers (duplicates collapse); null when absent or JSON null.</summary>
    public IReadOnlyList<int>? PositiveIntegers(string name, int maxCount)
    {
        if (Json(name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongType(name, "an array of positive integers");
        }

        var result = new SortedSet<int>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out var number) || number <= 0)
            {
                throw WrongType(name, "an array of positive integers");
            }

            result.Add(number);
        }

        return result.Count > maxCount
            ? throw ApiException.BadRequest($"{name} may hold at most {maxCount} ids")
            : [.. result];
    }

    /// <summary>The first file part among the aliases (<c>photo</c>|<c>file</c>), if any.</summary>
    public IFormFile? File(params string[] aliases) =>
        aliases.Select(alias => Files.GetFile(alias)).FirstOrDefault(file => file is not null);

    private static ApiException WrongType(string name, string expected) => ApiException.BadRequest($"{name} must be {expected}");

    private static ApiException TooLarge(BodyRules rules) => new(rules.TooLargeStatus, rules.TooLargeError);

    private static ApiException Unstorable(string field) =>
        ApiException.BadRequest($"{StoredText.Clip(field, 64, "…")} contains invalid characters");

    private static async Task<byte[]> ReadCappedAsync(Stream body, BodyRules rules, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > rules.MaxBytes)
            {
                throw TooLarge(rules);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static JsonElement ParseJson(byte[] bytes, BodyRules rules)
    {
        // Text that is not UTF-8 can be neither read nor stored, whatever the route's leniency.
        if (!Utf8.IsValid(bytes))
        {
            throw ApiException.BadRequest("request body is not valid UTF-8");
        }

        JsonElement root;
        try
        {
            var options = new JsonDocumentOptions { MaxDepth = rules.MaxDepth, AllowDuplicateProperties = rules.KnownFields is null };
            using var document = JsonDocument.Parse(bytes, options);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return rules.Strict ? throw ApiException.BadRequest("invalid json") : EmptyObject;
        }
        catch (InvalidOperationException)
        {
            // The duplicate-field check unescapes every field name: a lone surrogate in one ("\ud800") fails there.
            throw Unstorable("a field name");
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return rules.Strict ? throw ApiException.BadRequest("invalid json: an object is expected") : EmptyObject;
        }

        foreach (var property in root.EnumerateObject())
        {
            var name = CheckedName(property, null);
            if (rules.KnownFields is { } known && !known.Contains(name))
            {
                throw ApiException.BadRequest($"unknown field: {StoredText.Clip(name, 64, "…")}");
            }

            CheckValue(property.Value, name);
        }

        return root;
    }

    private static string CheckedName(JsonProperty property, string? field)
    {
        string name;
        try
        {
            name = property.Name;
        }
        catch (InvalidOperationException)
        {
            throw Unstorable(field ?? "a field name");
        }

        return StoredText.IsStorable(name) ? name : throw Unstorable(field ?? "a field name");
    }

    /// <summary>Every string and field name inside the value must be storable text; errors name the top-level field.</summary>
    private static void CheckValue(JsonElement value, string field)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                string? text;
                try
                {
                    text = value.GetString();
                }
                catch (InvalidOperationException)
                {
                    throw Unstorable(field);
                }

                if (text is not null && !StoredText.IsStorable(text))
                {
                    throw Unstorable(field);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    CheckedName(property, field);
                    CheckValue(property.Value, field);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    CheckValue(item, field);
                }

                break;
        }
    }

    private static async Task<IFormCollection> ReadFormAsync(HttpRequest request, BodyRules rules, CancellationToken cancellationToken)
    {
        var original = request.Body;
        request.Body = new CappedStream(original, rules);
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            throw ApiException.BadRequest("invalid form body");
        }
        catch (IOException) when (!cancellationToken.IsCancellationRequested)
        {
            // A multipart body with the wrong boundary or without its closing boundary ends early.
            throw ApiException.BadRequest("invalid form body");
        }
        finally
        {
            request.Body = original;
        }

        foreach (var (key, values) in form)
        {
            if (!StoredText.IsStorable(key))
            {
                throw Unstorable("a field name");
            }

            if (!AllStorable(values))
            {
                throw Unstorable(key);
            }
        }

        foreach (var file in form.Files)
        {
            if (!StoredText.IsStorable(file.Name) || !StoredText.IsStorable(file.FileName))
            {
                throw Unstorable(StoredText.IsStorable(file.Name) ? file.Name : "a file name");
            }
        }

        return form;
    }

    private static bool AllStorable(StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && !StoredText.IsStorable(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Counts the bytes read and refuses past the endpoint's cap.</summary>
    private sealed class CappedStream(Stream inner, BodyRules rules) : Stream
    {
        private long total;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => total; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Count(int read)
        {
            total += read;
            return total > rules.MaxBytes ? throw TooLarge(rules) : read;
        }
    }

    private sealed class EmptyFiles : List<IFormFile>, IFormFileCollection
    {
        public static readonly EmptyFiles Instance = [];

        public IFormFile? this[string name] => null;

        public IFormFile? GetFile(string name) => null;

        public IReadOnlyList<IFormFile> GetFiles(string name) => [];
    }
}
