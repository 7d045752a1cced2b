using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.SharedKernel;

/// <summary>
/// The one public entry point of a module. The host calls it to register the module's services and jobs;
/// its HTTP endpoints are Carter modules found in the same assembly.
/// </summary>
public interface IModule
{
    /// <summary>Short lower-case name, also the module's database schema.</summary>
    string Name { get; }

    void AddServices(IServiceCollection services, IConfiguration configuration);

    /// <summary>Recurring jobs this module runs on the worker role.</summary>
    void AddJobs(IJobRegistry jobs)
    {
    }
}
