using Map.Modules.Duty.Contracts;
using Map.Modules.Duty.Data;
using Map.Modules.Duty.Shifts;
using Map.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Duty;

/// <summary>
/// The Duty module's entry point. So far: shifts and SOS behind <see cref="IDutyShifts"/> and <see cref="IDutySos"/>
/// (what the Tracker needs); the bot and admin features arrive with the Duty issue.
/// </summary>
public sealed class DutyModule : IModule
{
    public string Name => DutyDbContext.Schema;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddModuleDbContext<DutyDbContext>(DutyDbContext.Schema);
        services.AddScoped<IDutyShifts, DutyShifts>();
        services.AddScoped<IDutySos, DutySos>();
    }
}
