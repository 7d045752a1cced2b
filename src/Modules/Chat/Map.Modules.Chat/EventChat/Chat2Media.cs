using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Map.Modules.Chat.EventChat;

/// <summary>Settings of the event chat, from the environment (validated at start-up).</summary>
internal sealed record Chat2Settings(long MediaMaxBytes, string UploadRoot, int RetentionDays)
{
    public const string MediaMaxMbVariable = "CHAT2_MEDIA_MAX_MB";
    public const string RetentionDaysVariable = "CHAT2_RETENTION_DAYS";

    public static Chat2Settings From(IConfiguration config)
    {
        var data = DataDirectory.Resolve(config);
        var fallbackDays = EnvironmentSettings.Int(config, "RETENTION_CHAT_DAYS", 90, 1, 36500);
        return new Chat2Settings(
            EnvironmentSettings.Int(config, MediaMaxMbVariable, 20, 1, 500) * 1024L * 1024L,
            DataDirectory.PathOf(config, data, "UPLOAD_DIR", "uploads"),
            EnvironmentSettings.Int(config, RetentionDaysVariable, fallbackDays, 1, 36500));
    }
}

/// <summary>What a file really is, from its first bytes.</summary>
internal sealed record MediaType(string Mime, string Extension);

/// <summary>
/// Event-chat media on disk (decision 0111): under <c>UPLOAD_DIR/chat2/</c> with server-chosen names
/// (<c>&lt;32 hex&gt;.&lt;ext&gt;</c>), the type taken from the content (magic bytes) against an allowlist of images, audio,
/// video and PDF. A declared type that disagrees with the content is refused; SVG, HTML, archives and anything unknown
/// are refused.
/// </summary>
internal sealed partial class Chat2MediaStore(Chat2Settings settings)
{
    public const string Folder = "chat2";

    public long MaxBytes => settings.MediaMaxBytes;

    public static MediaType? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return new("image/jpeg", ".jpg");
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return new("image/png", ".png");
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return new("image/gif", ".gif");
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return new("image/webp", ".webp");
        }

        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            return head[8..11].SequenceEqual("M4A"u8) ? new("audio/mp4", ".m4a") : new("video/mp4", ".mp4");
        }

        if (head.StartsWith("OggS"u8))
        {
            return new("audio/ogg", ".ogg");
        }

        if (head.StartsWith("ID3"u8) || (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0))
        {
            return new("audio/mpeg", ".mp3");
        }

        return head.StartsWith("%PDF-"u8) ? new("application/pdf", ".pdf") : null;
    }

    /// <summary>Whether a declared Content-Type agrees with the sniffed one (generic or absent declarations always do).</summary>
    public static bool Agrees(string? declared, MediaType actual)
    {
        var type = declared?.Split(';')[0].Trim().ToLowerInvariant();
        return type switch
        {
            null or "" or "application/octet-stream" => true,
            "image/jpg" or "image/pjpeg" => actual.Mime == "image/jpeg",
            "audio/mp3" => actual.Mime == "audio/mpeg",
            "audio/m4a" or "audio/x-m4a" => actual.Mime is "audio/mp4" or "video/mp4",
            "audio/mp4" or "video/mp4" => actual.Mime is "audio/mp4" or "video/mp4",
            _ => type == actual.Mime,
        };
    }

    /// <summary>Checks and writes the upload; returns its media key (<c>chat2/&lt;name&gt;</c>), type and size.</summary>
    public async Task<StoredMedia2> SaveAsync(Stream content, long length, string? declaredType, CancellationToken cancellationToken)
    {
        if (length > settings.MediaMaxBytes)
        {
            throw DomainException.TooLarge($"file is too large (at most {settings.MediaMaxBytes / (1024 * 1024)} MB)");
        }

        if (length == 0)
        {
            throw DomainException.Invalid("file is empty");
        }

        var head = new byte[16];
        var read = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var type = Sniff(head.AsSpan(0, read)) ?? throw DomainException.Invalid("file type is not allowed (images, audio, video or PDF)");
        if (!Agrees(declaredType, type))
        {
            throw DomainException.Invalid("file content does not match its declared type");
        }

        var directory = Path.Combine(settings.UploadRoot, Folder);
        Directory.CreateDirectory(directory);
        var name = Guid.NewGuid().ToString("N") + type.Extension;
        var path = Path.Combine(directory, name);
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await file.WriteAsync(head.AsMemory(0, read), cancellationToken);
            await content.CopyToAsync(file, cancellationToken);
        }

        return new StoredMedia2(Folder + "/" + name, type.Mime, (int)new FileInfo(path).Length);
    }

    /// <summary>The file of a media key written by <see cref="SaveAsync"/>, or null (any other key is never a path).</summary>
    public string? PathOf(string? mediaKey)
    {
        if (mediaKey is null || !StoredKey().IsMatch(mediaKey))
        {
            return null;
        }

        var path = Path.Combine(settings.UploadRoot, Folder, mediaKey[(Folder.Length + 1)..]);
        return File.Exists(path) ? path : null;
    }

    public void Delete(string? mediaKey)
    {
        if (mediaKey is not null && StoredKey().IsMatch(mediaKey))
        {
            File.Delete(Path.Combine(settings.UploadRoot, Folder, mediaKey[(Folder.Length + 1)..]));
        }
    }

    [GeneratedRegex("^chat2/[0-9a-f]{32}\\.(jpg|png|gif|webp|mp4|m4a|ogg|mp3|pdf)$")]
    private static partial Regex StoredKey();
}
