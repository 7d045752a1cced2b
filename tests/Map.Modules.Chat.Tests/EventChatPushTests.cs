using System.Net;
using System.Net.Http.Json;
using Map.Modules.Chat.EventChat.Push;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Map.Modules.Chat.Tests;

/// <summary>
/// Event-chat push (chat spec §4.6, decision 0112) through FCM HTTP v1, against a local stub of FCM and of Google's
/// token endpoint. Pushes are recorded with the message and sent by the platform outbox after the commit; retries are
/// driven by a fake clock and explicit dispatches (a web instance runs no job server), never by waiting, except in the
/// one test that shows a worker starts delivery at the commit. Each test has its own database.
/// </summary>
public sealed class EventChatPushTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly EventChatContext map = new();
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private readonly string directory = Path.Combine(Path.GetTempPath(), "map-fcm-tests", Guid.NewGuid().ToString("N"));
    private FcmStub stub = null!;

    public async Task InitializeAsync()
    {
        await map.InitializeAsync();
        stub = await FcmStub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await map.DisposeAsync();
        await stub.DisposeAsync();
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>An instance that pushes through the stub (unless <paramref name="push"/> is false).</summary>
    private MapInstance Start(bool push = true, string role = "web", bool fakeClock = true, string? pushEnabled = null) => map.StartInstance(new MapHostOptions
    {
        Role = role,
        Clock = fakeClock ? clock : null,
        Settings = EventChatContext.Settings(push
            ? new Dictionary<string, string?>
            {
                [Chat2PushOptions.CredentialsVariable] = stub.WriteCredentials(directory),
                [Chat2PushOptions.ApiBaseVariable] = stub.BaseUrl,
                [Chat2PushOptions.EnabledVariable] = pushEnabled,
            }
            : null),
    });

    private static async Task<int> RegisterAsync(HttpClient client, string token)
    {
        var registered = await ChatApi.ExpectAsync(await client.PostAsJsonAsync("/api/chat2/push/register", new { token }), HttpStatusCode.Created);
        return registered.GetProperty("id").GetInt32();
    }

    private Task<long> PushRowsAsync() => map.CountAsync("SELECT count(*) FROM platform.outbox_messages WHERE type = 'chat.chat2_push'");

    private Task<string?> PushStateAsync(int tokenId) =>
        map.ScalarAsync<string>("SELECT state FROM platform.outbox_messages WHERE key = $1 ORDER BY id DESC LIMIT 1", Chat2PushMessage.Key(tokenId));

    private static async Task<long> MetricAsync(AdminClient admin, string name) =>
        (await admin.Http.GetJsonAsync("/api/chat2/metrics")).GetProperty(name).GetInt64();

    [Fact]
    public async Task A_phones_message_reaches_the_other_members_token_through_the_project_path_with_the_service_accounts_bearer_token()
    {
        var app = Start();
        var admin = await app.LoginAsync();
        var sender = await app.PairAsync(admin, "sender");
        var other = await app.PairAsync(admin, "other");
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), sender, other);
        await RegisterAsync(sender.Http, "token-of-the-sender");
        var otherToken = await RegisterAsync(other.Http, "token-of-the-other");

        var message = await sender.Http.SentAsync(channel, "Прибыл на место");
        Assert.Empty(stub.Calls); // nothing is sent in the request
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(otherToken));

        var call = Assert.Single(stub.Calls);
        Assert.Equal($"/v1/projects/{FcmStub.ProjectId}/messages:send", call.Path);
        Assert.Equal("Bearer stub-access-1", call.Authorization);
        Assert.Equal("token-of-the-other", call.Token);
        Assert.Equal("Новое сообщение", call.Title);
        Assert.Equal("Прибыл на место", call.Body);
        Assert.Equal(new Dictionary<string, string> { ["channel_id"] = channel, ["message_id"] = message.MsgId(), ["kind"] = "text" }, call.Data);
        Assert.Equal(1, stub.TokensIssued);
        Assert.Empty(stub.RefusedAssertions);
        Assert.Equal(1, await PushRowsAsync()); // never to the sender's own token
        Assert.Equal("delivered", await PushStateAsync(otherToken));
        Assert.Equal(1, await MetricAsync(admin, "chat2_push_sent_total"));
    }

    [Fact]
    public async Task A_template_pushes_its_own_title_and_template_id_to_an_admin_member_too()
    {
        var app = Start();
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var shiftId = EventChatApi.NewShiftId();
        var channel = await admin.ShiftChannelAsync(shiftId, phone);
        await ChatApi.ExpectAsync(
            await admin.Http.PostAsJsonAsync("/api/chat2/ensure_shift_channel", new { shift_id = shiftId, members = new[] { new { member_type = "admin", member_id = admin.Username } } }),
            HttpStatusCode.OK);
        var adminToken = await RegisterAsync(admin.Http, "token-of-the-admin");

        var sent = await ChatApi.ExpectAsync(
            await phone.Http.PostAsJsonAsync("/api/chat2/send_template", new { channel_id = channel, template_id = "need_help" }), HttpStatusCode.Created);
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(adminToken));

        var call = Assert.Single(stub.Calls);
        Assert.Equal("token-of-the-admin", call.Token);
        Assert.Equal("Новый шаблон", call.Title);
        Assert.Equal("Нужна помощь", call.Body);
        Assert.Equal(new Dictionary<string, string> { ["channel_id"] = channel, ["message_id"] = sent.MsgId(), ["kind"] = "template", ["template_id"] = "need_help" }, call.Data);
    }

    [Fact]
    public async Task The_access_token_is_reused_until_shortly_before_it_expires()
    {
        var app = Start();
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        var token = await RegisterAsync(phone.Http, "token-of-the-phone");

        await admin.Http.SentAsync(channel, "first");
        await admin.Http.SentAsync(channel, "second");
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(token));
        clock.Advance(TimeSpan.FromMinutes(56)); // the token lives 3599 s: renewed five minutes early
        await admin.Http.SentAsync(channel, "third");
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(token));

        Assert.Equal(["first", "second", "third"], stub.Delivered.Select(c => c.Body));
        Assert.Equal(["Bearer stub-access-1", "Bearer stub-access-1", "Bearer stub-access-2"], stub.Delivered.Select(c => c.Authorization));
        Assert.Equal(2, stub.TokensIssued);
    }

    [Fact]
    public async Task A_500_from_fcm_never_fails_the_send_and_the_push_is_retried_after_the_backoff()
    {
        stub.Respond = (n, _) => Task.FromResult(n == 1 ? FcmStub.ServerError : FcmStub.Ok);
        var app = Start();
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        var token = await RegisterAsync(phone.Http, "token-of-the-phone");

        var message = await admin.Http.SentAsync(channel, "Срочно на связь");
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(token)); // fails: next attempt in 5 s
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(token)); // not due: nothing sent
        Assert.Single(stub.Calls);
        Assert.Equal("pending", await PushStateAsync(token));
        clock.Advance(TimeSpan.FromSeconds(5));
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(token));

        Assert.Equal([500, 200], stub.Calls.Select(c => c.Status));
        Assert.Equal("delivered", await PushStateAsync(token));
        Assert.Equal(1, await MetricAsync(admin, "chat2_push_sent_total"));
        Assert.Equal(1, await MetricAsync(admin, "chat2_push_failed_total"));
        var synced = await phone.Http.SyncAsync(channel);
        Assert.Equal([message.MsgId()], synced.EnumerateArray().Select(m => m.MsgId()));
    }

    [Fact]
    public async Task With_a_worker_the_push_starts_at_the_commit_and_the_send_does_not_wait_for_fcm()
    {
        var release = new TaskCompletionSource<(int, string)>(TaskCreationOptions.RunContinuationsAsynchronously);
        stub.Respond = (_, _) => release.Task;
        var app = Start(role: "all", fakeClock: false);
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        var token = await RegisterAsync(phone.Http, "token-of-the-phone");

        await admin.Http.SentAsync(channel, "не ждём FCM");
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(stub.SendCount == 1), Patience)); // FCM is holding the call
        Assert.Empty(stub.Calls);

        release.SetResult(FcmStub.Ok);
        Assert.True(await Eventually.TrueAsync(async () => await PushStateAsync(token) == "delivered", Patience));
    }

    [Fact]
    public async Task Tokens_fcm_no_longer_knows_are_deleted_and_their_pushes_end_without_a_dead_letter()
    {
        stub.Respond = (_, call) => Task.FromResult(call.Token switch
        {
            "token-unregistered" => FcmStub.Unregistered,
            "token-invalid" => FcmStub.InvalidToken,
            _ => FcmStub.Ok,
        });
        var app = Start();
        var admin = await app.LoginAsync();
        var unregistered = await app.PairAsync(admin, "unregistered");
        var invalid = await app.PairAsync(admin, "invalid");
        var valid = await app.PairAsync(admin, "valid");
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), unregistered, invalid, valid);
        var tokens = new[] { await RegisterAsync(unregistered.Http, "token-unregistered"), await RegisterAsync(invalid.Http, "token-invalid"), await RegisterAsync(valid.Http, "token-valid") };

        await admin.Http.SentAsync(channel, "всем");
        foreach (var token in tokens)
        {
            await app.DispatchOutboxAsync(Chat2PushMessage.Key(token));
        }

        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat2_push_tokens"));
        Assert.Equal("token-valid", await map.ScalarAsync<string>("SELECT token FROM chat.chat2_push_tokens"));
        Assert.Equal(["skipped", "skipped", "delivered"], (await Task.WhenAll(tokens.Select(PushStateAsync))).Select(s => s ?? "none"));
        Assert.Equal(3, stub.Calls.Count);
    }

    [Fact]
    public async Task A_404_that_is_not_fcms_answer_keeps_the_token_and_the_push_is_a_dead_letter()
    {
        stub.Respond = (_, _) => Task.FromResult((404, "<html>Not Found</html>")); // e.g. a wrong CHAT2_FCM_API_BASE
        var app = Start();
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        var token = await RegisterAsync(phone.Http, "token-of-the-phone");

        await admin.Http.SentAsync(channel, "куда?");
        await app.DispatchOutboxAsync(Chat2PushMessage.Key(token));

        Assert.Equal(1, await map.CountAsync("SELECT count(*) FROM chat.chat2_push_tokens"));
        Assert.Equal("dead", await PushStateAsync(token));
    }

    [Fact]
    public async Task Without_credentials_push_is_off_sends_still_work_and_the_test_push_sends_nothing()
    {
        var app = Start(push: false);
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        await RegisterAsync(phone.Http, "token-of-the-phone");

        await admin.Http.SentAsync(channel, "без push");
        var test = await admin.Http.PostJsonAsync("/api/chat2/push/test", new { });

        Assert.Equal(0, test.GetProperty("sent").GetInt32());
        Assert.Equal(0, await PushRowsAsync());
        Assert.Empty(stub.Calls);
        Assert.Equal(0, stub.TokensIssued);
    }

    [Fact]
    public async Task With_CHAT2_PUSH_ENABLED_0_a_credentials_file_pushes_nothing_and_the_test_push_sends_nothing()
    {
        var app = Start(pushEnabled: "0");
        var admin = await app.LoginAsync();
        var phone = await app.PairAsync(admin);
        var channel = await admin.ShiftChannelAsync(EventChatApi.NewShiftId(), phone);
        await RegisterAsync(phone.Http, "token-of-the-switched-off-phone");

        await admin.Http.SentAsync(channel, "push выключен");
        var test = await admin.Http.PostAsJsonAsync("/api/chat2/push/test", new { });

        Assert.Equal(HttpStatusCode.OK, test.StatusCode);
        Assert.Equal("""{"sent":0}""", await test.Content.ReadAsStringAsync());
        Assert.Equal(0, await PushRowsAsync());
        Assert.Empty(stub.Calls);
        Assert.Equal(0, stub.TokensIssued);
    }

    [Fact]
    public async Task The_test_push_is_for_superadmins_and_goes_to_one_token_or_to_every_registered_one()
    {
        var app = Start();
        var root = await app.LoginAsync();
        await map.CreateAdminAsync("push-editor", AdminRole.Editor);
        var editor = await app.LoginAsync("push-editor", "password-1234");
        var first = await app.PairAsync(root, "first");
        var second = await app.PairAsync(root, "second");
        await RegisterAsync(first.Http, "token-first");
        await RegisterAsync(second.Http, "token-second");

        Assert.Equal(HttpStatusCode.Forbidden, (await editor.Http.PostAsJsonAsync("/api/chat2/push/test", new { })).StatusCode);
        Assert.Contains((await first.Http.PostAsJsonAsync("/api/chat2/push/test", new { })).StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden });
        Assert.Empty(stub.Calls);

        var all = await root.Http.PostJsonAsync("/api/chat2/push/test", new { });
        Assert.Equal(2, all.GetProperty("sent").GetInt32());
        Assert.Equal(["token-first", "token-second"], stub.Delivered.Select(c => c.Token).Order());

        var one = await root.Http.PostJsonAsync("/api/chat2/push/test", new { token = "token-second" });
        Assert.Equal(1, one.GetProperty("sent").GetInt32());
        Assert.Equal("token-second", stub.Delivered[^1].Token);
        Assert.All(stub.Calls, c => Assert.Equal("Bearer stub-access-1", c.Authorization));
        Assert.Equal(3, await MetricAsync(root, "chat2_push_sent_total"));
    }
}
