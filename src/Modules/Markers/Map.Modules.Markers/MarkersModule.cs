using Map.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Markers;

/// <summary>The Markers module's entry point. Its features arrive with their own issue.</summary>
public sealed class MarkersModule : IModule
{
    public string Name => "markers";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }
}
