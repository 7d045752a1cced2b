using Map.Modules.Chat.EventChat;
using Map.Modules.Chat.EventChat.Push;
using Map.Modules.Chat.Features;
using Map.Modules.Chat.Telegram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Chat;

/// <summary>
/// The support chat: operators talk to Telegram users through the bot (<c>/api/chat</c>), replies reach Telegram
/// through the platform outbox, and the notification counters for the admin badges.
/// </summary>
public sealed class ChatModule : IModule
{
    /// <summary>The module's browser files are served at <c>/assets/chat/…</c>.</summary>
    internal const string WebModule = "chat";

    public string Name => ChatDbContext.Schema;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDbContext<ChatDbContext>(ChatDbContext.Schema);
        services.Configure<RouteOptions>(options => options.SetParameterPolicy<UserIdRouteConstraint>(UserIdRouteConstraint.Name));

        var telegram = TelegramDeliveryOptions.From(configuration);
        services.AddSingleton(telegram);
        // Request URLs hold the bot token: this client logs nothing (RemoveAllLoggers), at any level.
        services.AddTransient<BufferedRequestHandler>();
        services.AddHttpClient(TelegramBotApi.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10))
            .RemoveAllLoggers()
            .AddHttpMessageHandler<BufferedRequestHandler>()
            .ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler
            {
                Proxy = telegram.Proxy is null ? null : new System.Net.WebProxy(telegram.Proxy),
                UseProxy = telegram.Proxy is not null,
            });
        services.AddScoped<TelegramBotApi>();
        services.AddOutboxHandler<TelegramReplyHandler>(TelegramReplyMessage.Type);
        services.AddWebAssets(WebModule, typeof(ChatModule).Assembly);
        services.AddNavLink(new NavLink("/admin/chat", WebModule, "nav.chat", AdminRole.Viewer, Order: 40));

        // The event chat ("chat2"): channels of shifts, incidents and DMs between admins and tracker phones.
        services.AddSingleton(Chat2Settings.From(configuration));
        services.AddSingleton<Chat2Counters>();
        // The same counters in the Prometheus text at /metrics (chat spec §3.2 metrics).
        services.AddSingleton<IModuleCounters>(sp => sp.GetRequiredService<Chat2Counters>());
        services.AddSingleton<Chat2MediaStore>();
        services.AddScoped<Chat2Access>();
        services.AddScoped<Chat2Posting>();
        services.AddScoped<Chat2ChannelStore>();
        services.AddScoped<Chat2Retention>();
        // Push through FCM HTTP v1 (decision 0112): recorded with the message, sent by the platform outbox after the commit.
        services.AddSingleton(Chat2PushOptions.From(configuration));
        // Requests carry the OAuth access token: this client logs nothing, at any level.
        services.AddHttpClient(FcmClient.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10)).RemoveAllLoggers();
        services.AddSingleton<FcmClient>();
        services.AddScoped<Chat2PushRecorder>();
        services.AddOutboxHandler<Chat2PushHandler>(Chat2PushMessage.Type);
        services.AddNavLink(new NavLink("/admin/events-chat", WebModule, "nav.events_chat", AdminRole.Viewer, Order: 41));
        // The duty dashboard's shift cards link to their channel (decision 0087's addon mechanism; Duty is not read).
        services.AddPageAddon(new PageAddon(WebModule, "chat2-shift-link.js", "chat2-shift-link.css", ["duty/duty"], AdminRole.Viewer));
    }

    public void AddJobs(IJobRegistry jobs) => jobs.AddRecurring<Chat2RetentionJob>(Chat2RetentionJob.JobId, Chat2RetentionJob.Cron);

    public IReadOnlyList<RateLimitBucket> RateLimitBuckets { get; } =
    [
        new(ChatRateLimits.Messages, "RATE_LIMIT_CHAT_PER_MINUTE", 120, RateLimitBodyStyle.Detailed),
        // Unset, the event chat's limits follow the predecessor's general ones (chat spec §5), then 120 and 20.
        new(Chat2Buckets.Send, "CHAT2_SEND_RATE_LIMIT", 120, RateLimitBodyStyle.Minimal)
        {
            WindowEnvironmentVariable = "CHAT2_SEND_RATE_WINDOW_SEC",
            FallbackEnvironmentVariable = "RATE_LIMIT_CHAT_PER_MINUTE",
        },
        new(Chat2Buckets.Upload, "CHAT2_UPLOAD_RATE_LIMIT", 20, RateLimitBodyStyle.Minimal)
        {
            WindowEnvironmentVariable = "CHAT2_UPLOAD_RATE_WINDOW_SEC",
            FallbackEnvironmentVariable = "RATE_LIMIT_MEDIA_UPLOAD_PER_MINUTE",
        },
    ];
}

/// <summary>Names of Chat's rate-limit buckets (chat spec §5).</summary>
internal static class ChatRateLimits
{
    public const string Messages = "chat";
}

/// <summary>The event chat's buckets (chat spec §5), per sender: send and send_template share one.</summary>
internal static class Chat2Buckets
{
    public const string Send = "chat2_send";
    public const string Upload = "chat2_upload";
}
