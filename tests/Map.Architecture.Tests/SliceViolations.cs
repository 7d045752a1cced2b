// Deliberate violations of the slice rule: one slice's folder using another slice's type.
namespace Map.Architecture.Tests.Violations.Features.SubmitThing
{
    internal sealed class SubmitThingEndpoint
    {
        public int Limit() => Map.Architecture.Tests.Violations.Features.ReadThing.ReadThingEndpoint.Count();
    }
}

namespace Map.Architecture.Tests.Violations.Features.ReadThing
{
    internal sealed class ReadThingEndpoint
    {
        public const int MaxItems = 10;

        public static int Count() => MaxItems;
    }
}
