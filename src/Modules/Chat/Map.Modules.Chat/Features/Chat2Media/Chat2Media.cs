using Carter;
using FluentValidation;
using Map.Modules.Chat.EventChat;
using Mediator;
using Microsoft.Net.Http.Headers;

namespace Map.Modules.Chat.Features.Chat2Media;

/// <summary>
/// Media (decision 0111). <c>POST /api/chat2/upload_media</c> (multipart <c>channel_id</c>, <c>file</c>, optional
/// <c>text</c> caption and <c>client_msg_id</c>; ID2 + membership) → 201 <c>Msg2</c> of kind <c>media</c>, a replay → 200.
/// Order: 400 → 404/403 → replay → 429 (upload bucket) → content check (400, 413) → store.
/// <c>GET /api/chat2/media/{message_id}</c> (ID2 + membership) serves the file with its sniffed type,
/// <c>Content-Disposition</c>, <c>nosniff</c> and a sandboxing CSP; never as HTML or SVG (they are never stored).
/// </summary>
internal sealed class Chat2MediaEndpoints : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app)
    {
        app.MapPost(Chat2Http.Prefix + "/upload_media", async (HttpContext context, ISender sender, Chat2MediaStore store, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var rules = BodyRules.JsonOrForm with { MaxBytes = store.MaxBytes + (256 * 1024) };
            var body = await RequestBody.ReadAsync(context.Request, rules, cancellationToken);
            var file = body.File("file");
            await using var stream = file?.OpenReadStream();
            var posted = await sender.Send(
                new Chat2UploadCommand(caller, body.Text("channel_id")?.Trim(), file is not null, file?.FileName, stream, file?.Length ?? 0, file?.ContentType,
                    body.Text("text")?.Trim() is { Length: > 0 } caption ? caption : null, body.Text("client_msg_id")?.Trim()),
                cancellationToken);
            return Chat2Http.Result(context, posted);
        }).AdminOrDevice().Produces<Msg2>().Produces<Msg2>(StatusCodes.Status201Created).WithFormBody<Wire.Chat2UploadBody>();

        app.MapGet(Chat2Http.Prefix + "/media/{messageId}", async (string messageId, HttpContext context, ISender sender, CancellationToken cancellationToken) =>
        {
            var caller = await Chat2Identity.ResolveAsync(context);
            var media = await sender.Send(new Chat2MediaQuery(caller, messageId), cancellationToken);
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
            headers.CacheControl = "private, max-age=3600";
            var inline = media.Mime.StartsWith("image/", StringComparison.Ordinal) || media.Mime.StartsWith("audio/", StringComparison.Ordinal) || media.Mime.StartsWith("video/", StringComparison.Ordinal);
            headers.ContentDisposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment") { FileName = media.FileName }.ToString();
            return Results.File(media.Path, media.Mime, enableRangeProcessing: true);
        }).AdminOrDevice().Produces(StatusCodes.Status200OK, contentType: "application/octet-stream");
    }
}

internal sealed record Chat2UploadCommand(
    Chat2Caller Caller, string? ChannelId, bool HasFile, string? FileName, Stream? Content, long Length, string? DeclaredType, string? Caption, string? ClientMsgId)
    : ICommand<Posted2>;

internal sealed class Chat2UploadValidator : AbstractValidator<Chat2UploadCommand>
{
    public Chat2UploadValidator()
    {
        ClassLevelCascadeMode = CascadeMode.Stop;
        RuleFor(c => c.ChannelId).NotEmpty().WithMessage("channel_id is required");
        RuleFor(c => c.HasFile).Equal(true).WithMessage("file is required");
        RuleFor(c => c.FileName).NotEmpty().WithMessage("file must have a name");
        RuleFor(c => c.Caption).MaximumLength(Chat2Limits.TextMaxLength).WithMessage($"text is too long (at most {Chat2Limits.TextMaxLength} characters)");
        RuleFor(c => c.ClientMsgId).Must(id => id is null || Chat2Ids.IsUuid(id)).WithMessage("client_msg_id must be a UUID");
    }
}

internal sealed class Chat2UploadHandler(Chat2Access access, Chat2Posting posting, Chat2MediaStore store) : ICommandHandler<Chat2UploadCommand, Posted2>
{
    public async ValueTask<Posted2> Handle(Chat2UploadCommand command, CancellationToken cancellationToken)
    {
        var channel = await access.RequireAsync(command.ChannelId, command.Caller, cancellationToken);
        var clientMsgId = command.ClientMsgId?.ToLowerInvariant();
        if (await posting.FindReplayAsync(channel.Id, command.Caller, clientMsgId, cancellationToken) is { } replay)
        {
            return new Posted2(replay, false, null);
        }

        var decision = await posting.AcquireAsync(Chat2Buckets.Upload, command.Caller, cancellationToken);
        if (!decision.Allowed)
        {
            return Posted2.Limited(decision);
        }

        var media = await store.SaveAsync(command.Content!, command.Length, command.DeclaredType, cancellationToken);
        Posted2? posted = null;
        try
        {
            posted = await posting.InsertAsync(new NewMessage2(channel, command.Caller, MessageKinds.Media, command.Caption, clientMsgId), media, cancellationToken);
            return posted;
        }
        finally
        {
            // A concurrent retry won (or the insert failed): this copy is not referenced by any message.
            if (posted is not { Created: true })
            {
                store.Delete(media.MediaKey);
            }
        }
    }
}

internal sealed record MediaFile(string Path, string Mime, string FileName);

internal sealed record Chat2MediaQuery(Chat2Caller Caller, string MessageId) : IQuery<MediaFile>;

internal sealed class Chat2MediaQueryHandler(Map.Modules.Chat.Data.ChatDbContext db, Chat2Access access, Chat2MediaStore store) : IQueryHandler<Chat2MediaQuery, MediaFile>
{
    public async ValueTask<MediaFile> Handle(Chat2MediaQuery query, CancellationToken cancellationToken)
    {
        var channelId = Guid.TryParse(query.MessageId, out _)
            ? await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.FirstOrDefaultAsync(
                db.Messages2.Where(m => m.Id == query.MessageId).Select(m => m.ChannelId), cancellationToken)
            : null;
        if (channelId is null)
        {
            throw query.Caller.IsAdmin ? DomainException.NotFound("message not found") : DomainException.Forbidden();
        }

        var channel = await access.RequireAsync(channelId, query.Caller, cancellationToken);
        var message = await access.MessageAsync(channel.Id, query.MessageId, cancellationToken);
        return message is { MediaKey: { } key, Mime: { } mime } && store.PathOf(key) is { } path
            ? new MediaFile(path, mime, message.Id + Path.GetExtension(path))
            : throw DomainException.NotFound("media not found");
    }
}
