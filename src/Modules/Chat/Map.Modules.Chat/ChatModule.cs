using Map.SharedKernel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Map.Modules.Chat;

/// <summary>The Chat module's entry point. Its features arrive with their own issue.</summary>
public sealed class ChatModule : IModule
{
    public string Name => "chat";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
    }
}
