using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Map.Modules.Chat.EventChat.Push;

/// <summary>
/// Event-chat push through FCM HTTP v1 (decision 0112), from the environment: push is on only when
/// <c>CHAT2_PUSH_ENABLED</c> (default 1) is on and <c>CHAT2_FCM_CREDENTIALS_FILE</c> names a Firebase service-account JSON
/// file; <c>CHAT2_FCM_API_BASE</c> is the FCM endpoint (tests point it at a stub) and <c>CHAT2_PUSH_TITLE</c> overrides the
/// notification title. A bad switch, or (with the switch on) a file that is missing, unreadable or not a service
/// account, stops start-up with a message naming the variable (never the key).
/// </summary>
internal sealed record Chat2PushOptions
{
    public const string EnabledVariable = "CHAT2_PUSH_ENABLED";
    public const string CredentialsVariable = "CHAT2_FCM_CREDENTIALS_FILE";
    public const string ApiBaseVariable = "CHAT2_FCM_API_BASE";
    public const string DefaultApiBase = "https://fcm.googleapis.com";

    public FcmServiceAccount? Account { get; init; }

    public Uri ApiBase { get; init; } = new(DefaultApiBase);

    public string? Title { get; init; }

    /// <summary>The switch is on and a service account was read; otherwise nothing is recorded or sent.</summary>
    public bool Enabled => Account is not null;

    public static Chat2PushOptions From(IConfiguration config)
    {
        // Literal names: the operations tests find the variables the app reads by them.
        var apiBase = EnvironmentSettings.Url(config, "CHAT2_FCM_API_BASE", DefaultApiBase, "http", "https") ?? new Uri(DefaultApiBase);
        // On by default: the file is already the operator's opt-in, and a file that silently did nothing would be a trap.
        // The switch turns push off without removing the file (an FCM incident, a key being rotated): then the file is
        // not read, so a broken one does not stop start-up either.
        var enabled = EnvironmentSettings.Bool(config, "CHAT2_PUSH_ENABLED", true);
        return new Chat2PushOptions
        {
            Account = enabled && EnvironmentSettings.Optional(config, "CHAT2_FCM_CREDENTIALS_FILE") is { } path ? FcmServiceAccount.Load(CredentialsVariable, path) : null,
            ApiBase = apiBase,
            Title = EnvironmentSettings.Optional(config, "CHAT2_PUSH_TITLE"),
        };
    }
}

/// <summary>
/// The parts of a service-account JSON file that FCM needs. A class, not a record, so that no generated
/// <c>ToString</c> ever prints the private key.
/// </summary>
internal sealed class FcmServiceAccount
{
    public const string DefaultTokenUri = "https://oauth2.googleapis.com/token";

    private FcmServiceAccount(string projectId, string clientEmail, Uri tokenUri, string privateKeyPem)
    {
        ProjectId = projectId;
        ClientEmail = clientEmail;
        TokenUri = tokenUri;
        PrivateKeyPem = privateKeyPem;
    }

    public string ProjectId { get; }

    public string ClientEmail { get; }

    public Uri TokenUri { get; }

    public string PrivateKeyPem { get; }

    public override string ToString() => $"service account {ClientEmail} of project {ProjectId}";

    public RSA CreateKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(PrivateKeyPem);
        return rsa;
    }

    /// <summary>Reads and checks <paramref name="path"/>; a bad file throws <see cref="ConfigurationException"/> naming <paramref name="variable"/>.</summary>
    public static FcmServiceAccount Load(string variable, string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new ConfigurationException($"{variable} names '{path}', which cannot be read ({ex.GetType().Name}); it must be a Firebase service-account JSON file.");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            // The parser's message may quote the file; only the position is kept.
            throw new ConfigurationException($"{variable} names '{path}', which is not valid JSON (line {ex.LineNumber + 1}); it must be a Firebase service-account JSON file.");
        }

        string Field(string name) =>
            root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw new ConfigurationException($"{variable} names '{path}', which has no \"{name}\": it must be a Firebase service-account JSON file.");

        var type = Field("type");
        if (type != "service_account")
        {
            throw new ConfigurationException($"{variable} names '{path}', whose \"type\" is '{type}', not 'service_account'.");
        }

        var tokenUriText = root.TryGetProperty("token_uri", out var tokenUriValue) && tokenUriValue.ValueKind == JsonValueKind.String ? tokenUriValue.GetString() : null;
        if (!Uri.TryCreate(string.IsNullOrWhiteSpace(tokenUriText) ? DefaultTokenUri : tokenUriText, UriKind.Absolute, out var tokenUri) || tokenUri.Scheme is not ("https" or "http"))
        {
            throw new ConfigurationException($"{variable} names '{path}', whose \"token_uri\" is not an http(s) URL.");
        }

        var account = new FcmServiceAccount(Field("project_id"), Field("client_email"), tokenUri, Field("private_key"));
        try
        {
            using var key = account.CreateKey();
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            throw new ConfigurationException($"{variable} names '{path}', whose \"private_key\" is not a PEM RSA private key.");
        }

        return account;
    }
}
