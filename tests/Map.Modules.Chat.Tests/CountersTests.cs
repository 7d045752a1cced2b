using System.Security.Claims;
using Map.Modules.Markers.Contracts;
using Map.SharedKernel;
using Map.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Chat.Tests;

/// <summary>GET /api/notifications/counters: chat_unread from the dialogs, requests/pending from Markers' contract.</summary>
public sealed class CountersTests(ChatTestContext map) : IClassFixture<ChatTestContext>
{
    /// <summary>Stands in for the Markers module's counter: a fixed number per admin, and who asked.</summary>
    private sealed class FixedPendingCounter(int count) : IPendingRequestCounter
    {
        public List<string?> AskedBy { get; } = [];

        public Task<int> CountPendingAsync(ClaimsPrincipal admin, CancellationToken cancellationToken = default)
        {
            AskedBy.Add(admin.AdminUsername());
            return Task.FromResult(count);
        }
    }

    [Fact]
    public async Task Requests_and_pending_come_from_every_registered_counter_for_the_signed_in_admin()
    {
        var counter = new FixedPendingCounter(7);
        var app = map.StartInstance(new MapHostOptions
        {
            Settings = ChatTestContext.RelaxedLogin,
            ConfigureServices = services => services.AddSingleton<IPendingRequestCounter>(counter),
        });
        await map.CreateAdminAsync("counter-viewer", AdminRole.Viewer);
        var viewer = await app.LoginAsync("counter-viewer", "password-1234");
        var baseline = await viewer.Http.GetJsonAsync("/api/notifications/counters");
        await app.CreateBot().UserSaysAsync(ChatApi.NewUserId(), "unread");

        var counters = await viewer.Http.GetJsonAsync("/api/notifications/counters");

        var requests = counters.GetProperty("requests").GetInt32();
        var chatUnread = counters.GetProperty("chat_unread").GetInt32();
        Assert.True(requests >= 7);
        Assert.Equal(baseline.GetProperty("requests").GetInt32(), requests);
        Assert.Equal(requests, counters.GetProperty("pending").GetInt32());
        Assert.Equal(baseline.GetProperty("chat_unread").GetInt32() + 1, chatUnread);
        Assert.Equal(requests + chatUnread, counters.GetProperty("total").GetInt32());
        Assert.All(counter.AskedBy, name => Assert.Equal("counter-viewer", name));
    }

    [Fact]
    public async Task Counters_come_from_the_dialogs_not_from_scanning_messages()
    {
        var admin = await map.Chat.LoginAsync();
        var before = await admin.Http.GetJsonAsync("/api/notifications/counters");
        var userId = ChatApi.NewUserId();
        await map.Chat.CreateBot().UserSaysAsync(userId, "1");
        await map.Chat.CreateBot().UserSaysAsync(userId, "2");
        // A message written behind the API's back: the dialog does not count it, so neither do the counters.
        await map.ExecuteAsync("INSERT INTO chat.chat_messages (user_id, sender, text) VALUES ($1, 'user', 'stray')", userId);

        var after = await admin.Http.GetJsonAsync("/api/notifications/counters");

        var chatUnread = after.GetProperty("chat_unread").GetInt32();
        Assert.Equal(before.GetProperty("chat_unread").GetInt32() + 2, chatUnread);
        Assert.Equal(0, after.GetProperty("requests").GetInt32());
        Assert.Equal(0, after.GetProperty("pending").GetInt32());
        Assert.Equal(chatUnread, after.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Counters_need_a_viewer_session()
    {
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await map.Chat.CreateBrowser().GetAsync("/api/notifications/counters")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await map.Chat.CreateBot().GetAsync("/api/notifications/counters")).StatusCode);
    }
}
