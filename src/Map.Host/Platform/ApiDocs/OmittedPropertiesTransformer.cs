using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Map.Host.Platform.ApiDocs;

/// <summary>
/// The generator lists every constructor parameter of a record as <c>required</c>, also those the serializer leaves
/// out when null (<c>[JsonIgnore(Condition = WhenWritingNull)]</c>, e.g. <c>first_broken_id</c>, <c>address_id</c>):
/// those are taken out of <c>required</c>, so the document says what the wire does (decision 0090).
/// </summary>
internal sealed class OmittedPropertiesTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is not { Count: > 0 } required)
        {
            return Task.CompletedTask;
        }

        foreach (var property in context.JsonTypeInfo.Properties)
        {
            var ignore = property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true).OfType<JsonIgnoreAttribute>().FirstOrDefault();
            if (ignore?.Condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault)
            {
                required.Remove(property.Name);
            }
        }

        return Task.CompletedTask;
    }
}
