using FluentValidation;
using Mediator;

namespace Map.SharedKernel;

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
