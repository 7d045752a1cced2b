using Carter;
using FluentValidation;
using Hangfire;
using Map.Host.Platform.ApiDocs;
using Map.Host.Platform.Auth;
using Map.Host.Platform.Config;
using Map.Host.Platform.Csrf;
using Map.Host.Platform.Data;
using Map.Host.Platform.Events;
using Map.Host.Platform.Health;
using Map.Host.Platform.Http;
using Map.Host.Platform.Jobs;
using Map.Host.Platform.Metrics;
using Map.Host.Platform.Modules;
using Map.Host.Platform.Outbox;
using Map.Host.Platform.RateLimiting;
using Map.Host.Platform.Realtime;
using Map.Host.Platform.Redis;
using Map.Host.Platform.Startup;
using Map.Host.Platform.Web;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace Map.Host;

/// <summary>Composition root: the platform every module uses, the modules, and the HTTP pipeline.</summary>
internal static class MapHost
{
    public static WebApplication Build(string[] args, bool forMigration = false)
    {
        var builder = WebApplication.CreateBuilder(args);
        var settings = MapSettingsLoader.Load(builder.Configuration, requireSecrets: !forMigration);
        ConfigureLogging(builder);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBodyBytes);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        // No outbound client logs its requests: HttpClient's logging writes request URLs at Information, and the Bot
        // API carries the bot token in the URL (Chat's sender, Tracker's alert notices). Issue 17 row 3.
        services.ConfigureHttpClientDefaults(client => client.RemoveAllLoggers());
        services.AddMapData(settings);
        services.AddSingleton<RedisConnection>();
        services.AddMapAuth(settings);
        services.AddAntiforgery();
        services.AddMapRateLimiting();
        services.AddMapHealth();
        services.AddSingleton<RealtimeHub>();
        services.AddSingleton<RealtimeTokens>();
        if (settings.RunsWeb)
        {
            services.AddHostedService<RealtimeAccessSweeper>();
        }

        services.AddSingleton<RedisEventBridge>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisEventBridge>());
        services.AddScoped<IEventBus, EventBus>();
        services.AddSingleton<ITelegramInitDataValidator, TelegramInitDataValidator>();
        services.AddMapWeb(builder.Configuration);
        services.AddMapApiDocs(settings);
        services.AddHostedService<StartupChecks>();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        services.ConfigureHttpJsonOptions(options =>
        {
            var wire = WireJson.Options;
            options.SerializerOptions.PropertyNamingPolicy = wire.PropertyNamingPolicy;
            options.SerializerOptions.Encoder = wire.Encoder;
            foreach (var converter in wire.Converters)
            {
                options.SerializerOptions.Converters.Add(converter);
            }
        });
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            // Client IPs come from X-Forwarded-For only when the peer is a trusted proxy (TRUSTED_PROXIES, none by
            // default). With no known proxy at all the middleware would believe every peer, so then it reads nothing.
            options.ForwardedHeaders = settings.TrustedProxies.Count > 0
                ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto
                : ForwardedHeaders.None;
            options.ForwardLimit = null;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var network in settings.TrustedProxies)
            {
                options.KnownIPNetworks.Add(network);
            }
        });

        var jobs = new JobRegistry(services);
        services.AddMapOutbox(jobs);
        var modules = ModuleCatalog.All;
        foreach (var module in modules)
        {
            module.AddServices(services, builder.Configuration);
            module.AddJobs(jobs);
            services.AddValidatorsFromAssembly(module.GetType().Assembly, includeInternalTypes: true);
            services.AddAuthorizersFromAssembly(module.GetType().Assembly);
        }

        services.AddMapJobs(settings, jobs);
        DomainMetrics.PublishAtZero(jobs.JobIds);
        services.AddMediator(options =>
        {
            // No assembly list: the source generator scans every referenced assembly, so a module's handlers are found
            // because the host references the module (Map.Host.csproj references every project under src/Modules).
            options.ServiceLifetime = ServiceLifetime.Scoped;
            // Resource rules (zones, existence) answer before input rules, as the predecessor's handlers did.
            options.PipelineBehaviors = [typeof(AuthorizationBehavior<,>), typeof(ValidationBehavior<,>)];
        });
        var carterModules = modules
            .SelectMany(m => m.GetType().Assembly.GetTypes())
            .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(ICarterModule).IsAssignableFrom(t))
            .ToArray();
        services.AddCarter(configurator: carter => carter.WithModules(carterModules).WithEmptyValidators().WithEmptyResponseNegotiators());

        var app = builder.Build();
        if (!forMigration)
        {
            ConfigurePipeline(app, settings);
        }

        return app;
    }

    /// <summary>
    /// Log levels live here rather than in appsettings.json, so they hold wherever the process is started from
    /// (the content root is the working directory). <c>Logging__LogLevel__*</c> variables still override them.
    /// </summary>
    private static void ConfigureLogging(WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
            .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning)
            // Failing commands surface as exceptions, which are logged where they are handled (without SQL text).
            .AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None)
            // Keys live in PostgreSQL, protected by database access; the per-key "unencrypted" warning is noise.
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error)
            .AddFilter("Hangfire", LogLevel.Warning)
            // Belt and braces with RemoveAllLoggers above: request URLs may hold secrets (the bot token).
            .AddFilter("System.Net.Http.HttpClient", LogLevel.None)
            .AddFilter("Npgsql", LogLevel.Warning);
        if (builder.Environment.IsDevelopment())
        {
            builder.Logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss ";
                options.UseUtcTimestamp = true;
            });
        }
        else
        {
            builder.Logging.AddJsonConsole(options =>
            {
                options.IncludeScopes = true;
                options.UseUtcTimestamp = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
    }

    private static void ConfigurePipeline(WebApplication app, MapSettings settings)
    {
        app.UseForwardedHeaders();
        app.UseMiddleware<ResponseHeadersMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages(StatusCodeBodies.WriteAsync);
        app.UseMetricsAccess(settings);
        app.UseRouting();
        app.UseMiddleware<InputTextGuard>();
        app.UseHttpMetrics();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseAuthentication();
        app.UseMiddleware<CsrfMiddleware>();
        app.UseAuthorization();
        app.UseRateLimiter();

        app.MapMapHealth();
        app.MapMapMetrics(settings);
        if (settings.RunsWeb)
        {
            app.MapCarter();
            app.MapMapWeb();
            app.MapRealtime();
            app.MapMapApiDocs(settings);
            app.MapHangfireDashboard("/hangfire", new DashboardOptions
            {
                // Authorization is the endpoint policy below; Hangfire's own filter would only allow localhost.
                Authorization = [],
                AsyncAuthorization = [],
                DisplayStorageConnectionString = false,
                DashboardTitle = "Map jobs",
            }, app.Services.GetRequiredService<JobStorage>())
                .RequireAuthorization(MapPolicies.Superadmin)
                .ExcludeFromDescription()
                .CsrfExempt();
            // The dashboard polls its stats with a form POST; a GET read a form that is not there and answered 500.
            app.MapMethods("/hangfire/stats", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) =>
                {
                    context.Response.Headers.Allow = HttpMethods.Post;
                    return ApiErrors.Error(StatusCodes.Status405MethodNotAllowed, "method not allowed");
                })
                .RequireAuthorization(MapPolicies.Superadmin)
                .ExcludeFromDescription();
        }
    }
}
