using FluentValidation;
using Mediator;

namespace Map.SharedKernel;

/// <summary>
/// A resource rule checked before a request's input is looked at (an admin's zones, the existence of what is
/// changed): it throws <see cref="DomainException.Forbidden"/> or <see cref="DomainException.NotFound"/>. Registered
/// from each module's assembly like validators; runs in <see cref="AuthorizationBehavior{TMessage, TResponse}"/>.
/// </summary>
public interface IAuthorizer<in TMessage>
{
    ValueTask AuthorizeAsync(TMessage message, CancellationToken cancellationToken);
}

/// <summary>Runs every <see cref="IAuthorizer{TMessage}"/> of a request, before its validators and handler.</summary>
public sealed class AuthorizationBehavior<TMessage, TResponse>(IEnumerable<IAuthorizer<TMessage>> authorizers)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        foreach (var authorizer in authorizers)
        {
            await authorizer.AuthorizeAsync(message, cancellationToken);
        }

        return await next(message, cancellationToken);
    }
}

/// <summary>
/// Runs every FluentValidation validator of a request before its handler; the first failure becomes a
/// <see cref="DomainException.Invalid"/>, which the edge answers with 400 and the legacy <c>{"error": message}</c> body.
/// </summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        foreach (var validator in validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken);
            if (!result.IsValid)
            {
                throw DomainException.Invalid(result.Errors[0].ErrorMessage);
            }
        }

        return await next(message, cancellationToken);
    }
}

public static class PipelineRegistration
{
    /// <summary>Registers (scoped) every non-abstract <see cref="IAuthorizer{TMessage}"/> of <paramref name="assembly"/>.</summary>
    public static IServiceCollection AddAuthorizersFromAssembly(this IServiceCollection services, System.Reflection.Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IAuthorizer<>)))
            {
                services.AddScoped(contract, type);
            }
        }

        return services;
    }
}
