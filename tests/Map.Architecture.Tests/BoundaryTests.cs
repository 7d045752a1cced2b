using Map.Modules.Admin;
using Map.Modules.Admin.Contracts;
using Map.Modules.Chat;
using Map.Modules.Duty;
using Map.Modules.Markers;
using Map.Modules.Tracker;
using Map.SharedKernel;

namespace Map.Architecture.Tests;

public sealed class BoundaryTests
{
    public static readonly ModuleAssemblies[] Modules =
    [
        new("Admin", typeof(AdminModule).Assembly, typeof(IAuditLog).Assembly),
        new("Markers", typeof(MarkersModule).Assembly, System.Reflection.Assembly.Load("Map.Modules.Markers.Contracts")),
        new("Chat", typeof(ChatModule).Assembly, System.Reflection.Assembly.Load("Map.Modules.Chat.Contracts")),
        new("Duty", typeof(DutyModule).Assembly, System.Reflection.Assembly.Load("Map.Modules.Duty.Contracts")),
        new("Tracker", typeof(TrackerModule).Assembly, System.Reflection.Assembly.Load("Map.Modules.Tracker.Contracts")),
    ];

    public static TheoryData<string> ModuleNames => [.. Modules.Select(m => m.Name)];

    private static ModuleAssemblies Module(string name) => Modules.Single(m => m.Name == name);

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_module_uses_other_modules_only_through_their_contracts(string name)
    {
        var module = Module(name);

        Assert.Empty(ArchitectureRules.UsesOtherModulesInternals(module.Implementation, name, Modules));
        Assert.Empty(ArchitectureRules.ReferencedImplementations(module.Implementation, Modules.Where(m => m.Name != name)));
    }

    [Fact]
    public void The_cross_module_rule_catches_a_module_reaching_into_another()
    {
        var offenders = ArchitectureRules.UsesOtherModulesInternals(typeof(BoundaryTests).Assembly, "Chat", Modules);
        var references = ArchitectureRules.ReferencedImplementations(typeof(BoundaryTests).Assembly, Modules.Where(m => m.Name != "Chat"));

        Assert.Contains("Map.Architecture.Tests.Violations.ChatReachingIntoMarkers", offenders);
        Assert.Contains("Map.Modules.Markers", references);
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void Module_internals_are_not_public(string name)
    {
        Assert.Empty(ArchitectureRules.PublicTypesBesidesTheModuleEntry(Module(name).Implementation));
    }

    [Fact]
    public void The_internals_rule_catches_a_public_type()
    {
        var offenders = ArchitectureRules.PublicTypesBesidesTheModuleEntry(typeof(BoundaryTests).Assembly, "Map.Architecture.Tests.Violations");

        Assert.Equal(["Map.Architecture.Tests.Violations.LeakedPublicHandler"], offenders);
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void Contracts_know_no_module_implementation(string name)
    {
        Assert.Empty(ArchitectureRules.ReferencedImplementations(Module(name).Contracts, Modules));
    }

    [Fact]
    public void The_shared_kernel_knows_no_module()
    {
        Assert.Empty(ArchitectureRules.ReferencedImplementations(typeof(IModule).Assembly, Modules));
        Assert.DoesNotContain(
            typeof(IModule).Assembly.GetReferencedAssemblies(),
            a => a.Name!.StartsWith("Map.Modules.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_reference_rule_catches_an_assembly_that_references_an_implementation()
    {
        Assert.NotEmpty(ArchitectureRules.ReferencedImplementations(typeof(BoundaryTests).Assembly, Modules));
    }
}
