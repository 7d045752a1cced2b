using System.Security.Cryptography;
using System.Text.Json;
using Map.Modules.Chat.EventChat.Push;
using Map.SharedKernel;
using Microsoft.Extensions.Configuration;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// How the push settings are read: off without a file or with <c>CHAT2_PUSH_ENABLED=0</c>, a clear start-up error (never
/// the key) for a bad file or switch.
/// </summary>
public sealed class Chat2PushOptionsTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "map-fcm-options", Guid.NewGuid().ToString("N"));
    private readonly string privateKey;

    public Chat2PushOptionsTests()
    {
        Directory.CreateDirectory(directory);
        using var rsa = RSA.Create(2048);
        privateKey = rsa.ExportPkcs8PrivateKeyPem();
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static Chat2PushOptions Read(params (string Key, string Value)[] values) =>
        Chat2PushOptions.From(new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build());

    private string Write(string content)
    {
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, content);
        return path;
    }

    private string Account(Dictionary<string, string>? changes = null, params string[] without)
    {
        var fields = new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "map-project",
            ["private_key"] = privateKey,
            ["client_email"] = "push@map-project.iam.gserviceaccount.com",
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        };
        foreach (var (key, value) in changes ?? [])
        {
            fields[key] = value;
        }

        foreach (var key in without)
        {
            fields.Remove(key);
        }

        return Write(JsonSerializer.Serialize(fields));
    }

    [Fact]
    public void Without_a_credentials_file_push_is_off_and_the_api_is_googles()
    {
        var options = Read();

        Assert.False(options.Enabled);
        Assert.Equal("https://fcm.googleapis.com/", options.ApiBase.AbsoluteUri);
        Assert.Null(options.Title);
    }

    [Fact]
    public void A_service_account_file_turns_push_on_with_its_project_email_and_token_uri()
    {
        var options = Read(("CHAT2_FCM_CREDENTIALS_FILE", Account()), ("CHAT2_FCM_API_BASE", "http://127.0.0.1:9/"), ("CHAT2_PUSH_TITLE", "Map"));

        Assert.True(options.Enabled);
        Assert.Equal("map-project", options.Account!.ProjectId);
        Assert.Equal("push@map-project.iam.gserviceaccount.com", options.Account.ClientEmail);
        Assert.Equal("https://oauth2.googleapis.com/token", options.Account.TokenUri.AbsoluteUri);
        Assert.Equal("http://127.0.0.1:9/", options.ApiBase.AbsoluteUri);
        Assert.Equal("Map", options.Title);
        Assert.DoesNotContain("PRIVATE KEY", options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", options.Account.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("false")]
    [InlineData("off")]
    public void The_switch_off_keeps_push_off_with_a_file_and_does_not_read_it(string value)
    {
        var good = Read(("CHAT2_PUSH_ENABLED", value), ("CHAT2_FCM_CREDENTIALS_FILE", Account()));
        var missing = Read(("CHAT2_PUSH_ENABLED", value), ("CHAT2_FCM_CREDENTIALS_FILE", Path.Combine(directory, "absent.json")));

        Assert.False(good.Enabled);
        Assert.Null(good.Account);
        Assert.False(missing.Enabled);
    }

    [Fact]
    public void The_switch_is_on_by_default_and_on_alone_does_not_turn_push_on()
    {
        Assert.True(Read(("CHAT2_FCM_CREDENTIALS_FILE", Account())).Enabled);
        Assert.True(Read(("CHAT2_PUSH_ENABLED", "1"), ("CHAT2_FCM_CREDENTIALS_FILE", Account())).Enabled);
        Assert.False(Read(("CHAT2_PUSH_ENABLED", "1")).Enabled);
    }

    [Fact]
    public void A_bad_switch_stops_start_up_naming_the_variable()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(("CHAT2_PUSH_ENABLED", "maybe"), ("CHAT2_FCM_CREDENTIALS_FILE", Account())));

        Assert.Equal("CHAT2_PUSH_ENABLED must be 0 or 1 (got 'maybe').", error.Message);
    }

    [Fact]
    public void A_file_without_token_uri_uses_googles()
    {
        var options = Read(("CHAT2_FCM_CREDENTIALS_FILE", Account(without: "token_uri")));

        Assert.Equal(FcmServiceAccount.DefaultTokenUri, options.Account!.TokenUri.AbsoluteUri);
    }

    public static TheoryData<string> BadFiles => ["missing", "not json", "not an object", "no project_id", "no private_key", "wrong type", "bad key", "bad token_uri"];

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void A_bad_file_stops_start_up_naming_the_variable_and_never_showing_the_key(string bad)
    {
        var path = bad switch
        {
            "missing" => Path.Combine(directory, "absent.json"),
            "not json" => Write("{\"private_key\": \"" + privateKey.Replace("\n", "\\n", StringComparison.Ordinal) + "\", oops"),
            "not an object" => Write("[1, 2]"),
            "no project_id" => Account(without: "project_id"),
            "no private_key" => Account(without: "private_key"),
            "wrong type" => Account(new() { ["type"] = "authorized_user" }),
            "bad key" => Account(new() { ["private_key"] = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n" }),
            _ => Account(new() { ["token_uri"] = "ftp://example.org/token" }),
        };

        var error = Assert.Throws<ConfigurationException>(() => Read(("CHAT2_FCM_CREDENTIALS_FILE", path)));

        Assert.StartsWith("CHAT2_FCM_CREDENTIALS_FILE ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(privateKey.Split('\n')[1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_api_base_stops_start_up()
    {
        var error = Assert.Throws<ConfigurationException>(() => Read(("CHAT2_FCM_API_BASE", "not a url")));

        Assert.Contains("CHAT2_FCM_API_BASE", error.Message, StringComparison.Ordinal);
    }
}
