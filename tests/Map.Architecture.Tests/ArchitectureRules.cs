using System.Reflection;
using Map.SharedKernel;
using NetArchTest.Rules;

namespace Map.Architecture.Tests;

/// <summary>One module: its implementation and Contracts assemblies.</summary>
public sealed record ModuleAssemblies(string Name, Assembly Implementation, Assembly Contracts);

/// <summary>
/// The boundaries of the modular monolith, as functions that return the offending types, so each rule can be run
/// both on the real modules (must find nothing) and on deliberate violations (must find them).
/// </summary>
public static class ArchitectureRules
{
    /// <summary>Types of <paramref name="subject"/> that use another module's implementation (only Contracts are allowed).</summary>
    public static IReadOnlyList<string> UsesOtherModulesInternals(Assembly subject, string ownModule, IEnumerable<ModuleAssemblies> modules)
    {
        var forbidden = modules
            .Where(m => m.Name != ownModule)
            .SelectMany(m => m.Implementation.GetTypes())
            .Select(t => t.FullName!)
            .Where(n => !n.Contains('<', StringComparison.Ordinal))
            .ToArray();
        var result = Types.InAssembly(subject).Should().NotHaveDependencyOnAny(forbidden).GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypeNames];
    }

    /// <summary>
    /// Public types of a module implementation other than its one entry point (<see cref="IModule"/>).
    /// EF Core migrations are generated public and exempt.
    /// </summary>
    public static IReadOnlyList<string> PublicTypesBesidesTheModuleEntry(Assembly implementation, string? inNamespace = null)
    {
        var types = Types.InAssembly(implementation).That().ArePublic();
        if (inNamespace is not null)
        {
            types = types.And().ResideInNamespace(inNamespace);
        }

        var result = types.And().DoNotImplementInterface(typeof(IModule))
            .And().DoNotInherit(typeof(Microsoft.EntityFrameworkCore.Migrations.Migration))
            .Should().NotBePublic().GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypeNames];
    }

    /// <summary>Module implementation assemblies referenced by an assembly that must not know them (Contracts, SharedKernel).</summary>
    public static IReadOnlyList<string> ReferencedImplementations(Assembly subject, IEnumerable<ModuleAssemblies> modules)
    {
        var implementations = modules.Select(m => m.Implementation.GetName().Name).ToHashSet();
        return [.. subject.GetReferencedAssemblies().Select(a => a.Name!).Where(implementations.Contains)];
    }
}
