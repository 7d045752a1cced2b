using System.Reflection;
using System.Text.RegularExpressions;
using Map.SharedKernel;
using Mono.Cecil;
using Mono.Cecil.Cil;
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

    /// <summary>
    /// Types of the host that use a module's implementation beyond its entry (<see cref="IModule"/>): the host composes
    /// modules through their entries only. The mediator's source-generated registrations (namespace <c>Mediator</c>) are
    /// exempt, since wiring every handler is their job.
    /// </summary>
    public static IReadOnlyList<string> UsesModulesBeyondTheirEntry(Assembly subject, IEnumerable<ModuleAssemblies> modules, string? inNamespace = null)
    {
        var forbidden = modules
            .SelectMany(m => m.Implementation.GetTypes())
            .Where(t => !typeof(IModule).IsAssignableFrom(t))
            .Select(t => t.FullName!)
            .Where(n => !n.Contains('<', StringComparison.Ordinal))
            .ToArray();
        var types = Types.InAssembly(subject).That().DoNotResideInNamespace("Mediator");
        if (inNamespace is not null)
        {
            types = types.And().ResideInNamespace(inNamespace);
        }

        var result = types.Should().NotHaveDependencyOnAny(forbidden).GetResult();
        return result.IsSuccessful ? [] : [.. result.FailingTypeNames];
    }

    /// <summary>
    /// Non-public concrete classes that are not sealed (<c>internal sealed</c> is the default; a class meant for
    /// inheritance is abstract). EF Core's generated model snapshots and migrations are exempt.
    /// </summary>
    public static IReadOnlyList<string> UnsealedInternalClasses(Assembly subject, string? inNamespace = null)
    {
        return
        [
            .. subject.GetTypes()
                .Where(t => t is { IsClass: true, IsAbstract: false, IsSealed: false, IsPublic: false, IsNestedPublic: false })
                .Where(t => !t.Name.Contains('<', StringComparison.Ordinal)
                    && !Attribute.IsDefined(t, typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute)))
                .Where(t => !typeof(Microsoft.EntityFrameworkCore.Infrastructure.ModelSnapshot).IsAssignableFrom(t)
                    && !typeof(Microsoft.EntityFrameworkCore.Migrations.Migration).IsAssignableFrom(t))
                .Where(t => inNamespace is null || (t.Namespace ?? "").StartsWith(inNamespace, StringComparison.Ordinal))
                .Select(t => t.FullName!)
                .Order(),
        ];
    }

    /// <summary>
    /// Handlers (Mediator request handlers) and domain types (a <c>.Domain</c> namespace) that name an HTTP status: they
    /// throw <see cref="DomainException"/> with a kind, and only the edge maps kinds to statuses (decision 0008). The body
    /// reader's <see cref="ApiException"/> belongs to the edge too (endpoints and filters may catch it). (Status constants such as
    /// <c>StatusCodes.Status409Conflict</c> compile to literals and leave no trace in IL; the HTTP result and exception
    /// types they travel with do.)
    /// </summary>
    public static IReadOnlyList<string> RulesNamingHttpStatuses(Assembly subject, string? inNamespace = null)
    {
        static bool IsHandler(Type t) => t.GetInterfaces().Any(i =>
            i.IsGenericType && i.Namespace == "Mediator" && i.Name.EndsWith("Handler`2", StringComparison.Ordinal));

        var ruleTypes = subject.GetTypes()
            .Where(t => inNamespace is null || (t.Namespace ?? "").StartsWith(inNamespace, StringComparison.Ordinal))
            .Where(t => IsHandler(t) || (t.Namespace ?? "").EndsWith(".Domain", StringComparison.Ordinal))
            .Select(t => t.FullName!)
            .ToHashSet();
        var statuses = Types.InAssembly(subject).Should()
            .NotHaveDependencyOnAny(
                typeof(ApiException).FullName!, "Microsoft.AspNetCore.Http.IResult", "Microsoft.AspNetCore.Http.Results",
                "Microsoft.AspNetCore.Http.TypedResults", "Microsoft.AspNetCore.Http.BadHttpRequestException")
            .GetResult();
        return [.. (statuses.FailingTypeNames ?? []).Where(ruleTypes.Contains).Order()];
    }

    /// <summary>
    /// Types of one slice (a folder, i.e. namespace, under <paramref name="featuresNamespace"/>) that use another slice's
    /// types. What several slices share lives in the module's shared folders (or directly in the Features namespace).
    /// </summary>
    public static IReadOnlyList<string> SlicesUsingOtherSlices(Assembly subject, string featuresNamespace)
    {
        var prefix = featuresNamespace + ".";
        var typesBySlice = subject.GetTypes()
            .Where(t => (t.Namespace ?? "").StartsWith(prefix, StringComparison.Ordinal) && !t.FullName!.Contains('<', StringComparison.Ordinal))
            .GroupBy(t => prefix + t.Namespace![prefix.Length..].Split('.')[0])
            .ToDictionary(g => g.Key, g => g.Select(t => t.FullName!).ToArray());
        var offenders = new List<string>();
        foreach (var slice in typesBySlice.Keys)
        {
            var others = typesBySlice.Where(s => s.Key != slice).SelectMany(s => s.Value).ToArray();
            if (others.Length == 0)
            {
                continue;
            }

            var result = Types.InAssembly(subject).That().ResideInNamespace(slice).Should().NotHaveDependencyOnAny(others).GetResult();
            if (!result.IsSuccessful)
            {
                offenders.AddRange(result.FailingTypeNames);
            }
        }

        return [.. offenders.Distinct().Order()];
    }

    /// <summary>
    /// SQL that leaves state on the server session past its transaction: a session <c>SET</c>, <c>LISTEN</c>, a
    /// <c>PREPARE</c>, a temporary table, a cursor <c>WITH HOLD</c> or a session-level advisory lock. Map's pool hands a
    /// connection to the next request without resetting it (decision 0039), so that state would reach an unrelated
    /// request. <c>SET LOCAL</c>, <c>SET TRANSACTION</c> and <c>pg_advisory_xact_lock</c> end with the transaction.
    /// Keywords are matched in upper case, as Map writes its SQL, so English text ("Set X to …") is not SQL.
    /// </summary>
    private static readonly Regex SessionStateSql = new(
        @"(^|;)\s*(SET\s+(SESSION\s+)?(ROLE|AUTHORIZATION)\b|SET\s+(?!LOCAL\b|TRANSACTION\b|CONSTRAINTS\b)(SESSION\s+)?[\w.]+\s*(=|TO\b)"
        + @"|LISTEN\s+\w|PREPARE\s+\w+\s*(\(|AS\b)|DECLARE\s[^;]*\bWITH\s+HOLD\b)"
        + @"|\bCREATE\s+((LOCAL|GLOBAL)\s+)?TEMP(ORARY)?\s+TABLE\b|\bSELECT\s+pg_(try_)?advisory_lock(_shared)?\s*\(",
        RegexOptions.CultureInvariant);

    /// <summary>
    /// Types of <paramref name="subject"/> whose string literals (the SQL they send) match <see cref="SessionStateSql"/>.
    /// Nested and compiler-generated types (async state machines, lambdas) count as their outermost type. The IL is read
    /// with Mono.Cecil, which NetArchTest brings and reads assemblies with itself.
    /// </summary>
    public static IReadOnlyList<string> TypesKeepingSessionState(Assembly subject, string? inNamespace = null)
    {
        using var module = ModuleDefinition.ReadModule(subject.Location);
        var offenders = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in module.GetTypes())
        {
            var outermost = type;
            while (outermost.DeclaringType is { } outer)
            {
                outermost = outer;
            }

            if ((inNamespace is null || outermost.Namespace.StartsWith(inNamespace, StringComparison.Ordinal))
                && type.Methods.Any(m => m.HasBody && m.Body.Instructions.Any(i => i.OpCode == OpCodes.Ldstr && SessionStateSql.IsMatch((string)i.Operand))))
            {
                offenders.Add(outermost.FullName);
            }
        }

        return [.. offenders];
    }
}
