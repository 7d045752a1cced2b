using Map.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Duty;

/// <summary>The Duty module's entry point. Its features arrive with their own issue.</summary>
public sealed class DutyModule : IModule
{
    public string Name => "duty";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }
}
