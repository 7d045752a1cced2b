using System.Reflection;
using Map.Host.Platform.Modules;
using Map.SharedKernel;

namespace Map.Architecture.Tests;

public sealed class BoundaryTests
{
    /// <summary>The host's own module list (the one place a module is added), with each module's Contracts assembly.</summary>
    public static readonly ModuleAssemblies[] Modules =
    [
        .. ModuleCatalog.All.Select(module =>
        {
            var implementation = module.GetType().Assembly;
            var name = implementation.GetName().Name!;
            return new ModuleAssemblies(name["Map.Modules.".Length..], implementation, Assembly.Load(name + ".Contracts"));
        }),
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

    [Fact]
    public void The_host_uses_modules_only_through_their_entry()
    {
        Assert.Empty(ArchitectureRules.UsesModulesBeyondTheirEntry(typeof(ModuleCatalog).Assembly, Modules));
    }

    [Fact]
    public void The_entry_rule_catches_code_that_reaches_past_an_entry()
    {
        var offenders = ArchitectureRules.UsesModulesBeyondTheirEntry(typeof(BoundaryTests).Assembly, Modules, "Map.Architecture.Tests.Violations");

        Assert.Equal(["Map.Architecture.Tests.Violations.HostReachingPastTheEntry"], offenders);
    }

    private static readonly Assembly[] OurAssemblies =
        [.. Modules.SelectMany(m => new[] { m.Implementation, m.Contracts }).Append(typeof(ModuleCatalog).Assembly).Append(typeof(IModule).Assembly)];

    public static TheoryData<string> AssembliesOfOurs => [.. OurAssemblies.Select(a => a.GetName().Name!)];

    [Theory]
    [MemberData(nameof(AssembliesOfOurs))]
    public void Internal_classes_are_sealed(string assembly)
    {
        Assert.Empty(ArchitectureRules.UnsealedInternalClasses(Assembly.Load(assembly)));
    }

    [Fact]
    public void The_sealed_rule_catches_an_open_internal_class()
    {
        var offenders = ArchitectureRules.UnsealedInternalClasses(typeof(BoundaryTests).Assembly, "Map.Architecture.Tests.Violations");

        Assert.Equal(["Map.Architecture.Tests.Violations.UnsealedHelper"], offenders);
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void A_slice_does_not_use_another_slice(string name)
    {
        var module = Module(name);

        Assert.Empty(ArchitectureRules.SlicesUsingOtherSlices(module.Implementation, module.Implementation.GetName().Name + ".Features"));
    }

    [Fact]
    public void The_slice_rule_catches_a_slice_using_another()
    {
        var offenders = ArchitectureRules.SlicesUsingOtherSlices(typeof(BoundaryTests).Assembly, "Map.Architecture.Tests.Violations.Features");

        Assert.Equal(["Map.Architecture.Tests.Violations.Features.SubmitThing.SubmitThingEndpoint"], offenders);
    }

    [Theory]
    [MemberData(nameof(ModuleNames))]
    public void Handlers_and_domain_types_name_no_http_status(string name)
    {
        Assert.Empty(ArchitectureRules.RulesNamingHttpStatuses(Module(name).Implementation));
    }

    [Fact]
    public void The_status_rule_catches_a_handler_choosing_a_status_and_a_module_throwing_the_edge_error()
    {
        var offenders = ArchitectureRules.RulesNamingHttpStatuses(typeof(BoundaryTests).Assembly, "Map.Architecture.Tests.Violations.Statuses");

        Assert.Equal(
            ["Map.Architecture.Tests.Violations.Statuses.Domain.Ticket", "Map.Architecture.Tests.Violations.Statuses.StatusChoosingHandler"],
            offenders);
    }

    /// <summary>
    /// Types that take a session-level advisory lock and release it in a <c>finally</c> on the same connection
    /// (<c>PooledConnectionTests</c> checks that the pooled session holds no lock after each).
    /// </summary>
    private static readonly string[] ReleasesItsSessionLock =
        ["Map.Host.Platform.Outbox.OutboxDispatcher", "Map.Modules.Tracker.Retention.TrackerRetentionJob"];

    [Theory]
    [MemberData(nameof(AssembliesOfOurs))]
    public void Sql_leaves_no_state_on_the_pooled_server_session(string assembly)
    {
        Assert.Empty(ArchitectureRules.TypesKeepingSessionState(Assembly.Load(assembly)).Except(ReleasesItsSessionLock));
    }

    [Fact]
    public void The_session_state_rule_catches_a_setting_a_listen_a_temporary_table_and_a_session_lock_but_not_transaction_scoped_sql()
    {
        var offenders = ArchitectureRules.TypesKeepingSessionState(typeof(BoundaryTests).Assembly, "Map.Architecture.Tests.Violations.Sessions");

        Assert.Equal(
            [
                "Map.Architecture.Tests.Violations.Sessions.Listener",
                "Map.Architecture.Tests.Violations.Sessions.SessionLock",
                "Map.Architecture.Tests.Violations.Sessions.SessionSetting",
                "Map.Architecture.Tests.Violations.Sessions.TemporaryStaging",
            ],
            offenders);
    }

    [Fact]
    public void The_session_locks_the_rule_lets_through_are_still_taken()
    {
        var found = OurAssemblies.SelectMany(a => ArchitectureRules.TypesKeepingSessionState(a)).Order();

        Assert.Equal(ReleasesItsSessionLock.Order(), found);
    }
}
