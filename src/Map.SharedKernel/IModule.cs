namespace Map.SharedKernel;

/// <summary>
/// The one public entry point of a module: everything the host needs to compose it. The host lists modules in one
/// place (<c>Map.Host/Platform/Modules/ModuleCatalog.cs</c>) and finds the rest in the module's assembly: its HTTP
/// endpoints (Carter modules), mediator handlers (source-generated over every referenced assembly) and validators.
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

    /// <summary>The rate-limit buckets this module's endpoints use (names are unique across modules).</summary>
    IReadOnlyList<RateLimitBucket> RateLimitBuckets => [];
}
