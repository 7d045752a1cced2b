using Carter;

namespace Map.Modules.Chat.Features.ChatPage;

/// <summary>
/// <c>GET /admin/chat</c> (viewer): conversations with unread counts and status, the history with paging back,
/// replying and marking as read (editors), live through <c>chat_message</c>. Files: <c>Web/chat.*</c>.
/// </summary>
internal sealed class ChatPageEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) => app.MapPage("/admin/chat", ChatModule.WebModule, "chat", AdminRole.Viewer);
}
