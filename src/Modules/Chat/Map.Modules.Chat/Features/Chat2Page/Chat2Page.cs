using Carter;

namespace Map.Modules.Chat.Features.Chat2Page;

/// <summary>
/// <c>GET /admin/events-chat</c> (viewer): the event chat's channels with unread counts, the conversation in sequence
/// order with text, quick templates and media, live through <c>chat2_message</c>/<c>chat2_receipt</c>, read marks sent
/// as the admin reads. <c>#shift=&lt;id&gt;</c> opens (or creates) a shift's channel, <c>#&lt;channel id&gt;</c> a
/// channel. Files: <c>Web/events-chat.*</c>; <c>Web/chat2-shift-link.*</c> adds a link to each shift card of the duty
/// dashboard (a page addon).
/// </summary>
internal sealed class Chat2PageEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) => app.MapPage("/admin/events-chat", ChatModule.WebModule, "events-chat", AdminRole.Viewer);
}
