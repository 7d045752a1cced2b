// Deliberate violations of the status rule: a handler that picks an HTTP status, and a domain type that throws the
// body reader's error. The clean handler beside them throws a DomainException and must not be reported.
using Map.SharedKernel;
using Mediator;
using Microsoft.AspNetCore.Http;

namespace Map.Architecture.Tests.Violations.Statuses
{
    internal sealed record CloseTicket(int Id) : ICommand<IResult>;

    internal sealed record ReopenTicket(int Id) : ICommand<int>;

    internal sealed class StatusChoosingHandler : ICommandHandler<CloseTicket, IResult>
    {
        public async ValueTask<IResult> Handle(CloseTicket command, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return command.Id > 0 ? Results.Conflict() : Results.Ok();
        }
    }

    internal sealed class RuleThrowingHandler : ICommandHandler<ReopenTicket, int>
    {
        public async ValueTask<int> Handle(ReopenTicket command, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return command.Id > 0 ? command.Id : throw DomainException.Conflict("already closed");
        }
    }
}

namespace Map.Architecture.Tests.Violations.Statuses.Domain
{
    internal sealed class Ticket
    {
        public bool Closed { get; private set; }

        public void Close() => Closed = Closed ? throw ApiException.BadRequest("already closed") : true;
    }
}
