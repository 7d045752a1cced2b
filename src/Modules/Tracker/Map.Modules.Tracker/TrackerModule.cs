using Map.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Tracker;

/// <summary>The Tracker module's entry point. Its features arrive with their own issue.</summary>
public sealed class TrackerModule : IModule
{
    public string Name => "tracker";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }
}
