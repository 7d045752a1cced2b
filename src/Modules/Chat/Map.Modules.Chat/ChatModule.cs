using Map.Modules.Chat.Data;
using Map.Modules.Chat.Features;
using Map.Modules.Chat.Telegram;
using Map.SharedKernel;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Chat;

/// <summary>
/// The support chat: operators talk to Telegram users through the bot (<c>/api/chat</c>), replies reach Telegram
/// through an outbox and a delivery job, and the notification counters for the admin badges.
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
        services.AddHttpClient<TelegramBotApi>(TelegramBotApi.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler
            {
                Proxy = telegram.Proxy is null ? null : new System.Net.WebProxy(telegram.Proxy),
                UseProxy = telegram.Proxy is not null,
            });
        services.AddScoped<TelegramDeliveryQueue>();
        services.AddScoped<TelegramDelivery>();
        services.AddWebAssets(WebModule, typeof(ChatModule).Assembly);
        services.AddNavLink(new NavLink("/admin/chat", WebModule, "nav.chat", AdminRole.Viewer, Order: 40));
    }

    public void AddJobs(IJobRegistry jobs) => jobs.AddRecurring<TelegramOutboxSweep>(TelegramOutboxSweep.JobId, "* * * * *");
}
