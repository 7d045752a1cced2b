using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Map.Modules.Markers.Infrastructure;

/// <summary>A photo part of a request, not yet checked or stored.</summary>
internal sealed record IncomingPhoto(long Length, Func<Stream> Open)
{
    public static IncomingPhoto? From(IFormFile? file) => file is null ? null : new IncomingPhoto(file.Length, file.OpenReadStream);
}

/// <summary>
/// Photos in <c>UPLOAD_DIR</c>, stored as <c>&lt;32 hex&gt;.&lt;ext&gt;</c>. The type comes from the file's first bytes
/// (PNG, JPEG, GIF), never from the client's name or content type; larger than <c>UPLOAD_MAX_MB</c> is refused.
/// </summary>
internal sealed partial class PhotoStore(MarkersSettings settings)
{
    public const string UnsupportedType = "photo must be a PNG, JPEG or GIF image";
    public const string TooLarge = "photo too large";

    public string Directory => settings.UploadDirectory;

    /// <summary>True for names this store produces; anything else (paths, URLs) is not a local file.</summary>
    public static bool IsStoredName(string? name) => name is not null && StoredNamePattern().IsMatch(name);

    /// <summary>
    /// Checks size and type; returns the extension to store it under. 413 otherwise, or a 400 with
    /// <paramref name="notAnImage"/> (default <see cref="UnsupportedType"/>) when the bytes are no PNG, JPEG or GIF.
    /// </summary>
    public async Task<string> CheckAsync(IncomingPhoto photo, CancellationToken cancellationToken, string notAnImage = UnsupportedType)
    {
        if (photo.Length > settings.MaxPhotoBytes)
        {
            throw DomainException.TooLarge(TooLarge);
        }

        var header = new byte[8];
        await using var stream = photo.Open();
        var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        return Sniff(header.AsSpan(0, read)) ?? throw DomainException.Invalid(notAnImage);
    }

    /// <summary>Writes a checked photo under a new random name and returns the name.</summary>
    public async Task<string> SaveAsync(IncomingPhoto photo, string extension, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(settings.UploadDirectory);
        var name = $"{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}.{extension}";
        var path = Path.Combine(settings.UploadDirectory, name);
        var partial = path + ".part";
        await using (var source = photo.Open())
        await using (var target = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            await source.CopyToAsync(target, cancellationToken);
        }

        File.Move(partial, path);
        return name;
    }

    /// <summary>The file of a stored name, or null when the name is not one of ours or the file is gone.</summary>
    public string? PathOf(string name)
    {
        if (!IsStoredName(name))
        {
            return null;
        }

        var path = Path.Combine(settings.UploadDirectory, name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>Deletes a stored photo unless an address or a request still refers to it (approvals share the file).</summary>
    public async Task DeleteIfUnusedAsync(MarkersDbContext db, string? name, CancellationToken cancellationToken)
    {
        if (!IsStoredName(name))
        {
            return;
        }

        var used = await db.Addresses.AnyAsync(a => a.Fields.Photo == name, cancellationToken)
            || await db.PendingMarkers.AnyAsync(m => m.Fields.Photo == name, cancellationToken);
        if (!used)
        {
            Discard(name);
        }
    }

    /// <summary>Removes a file this request stored when its change did not commit.</summary>
    public void Discard(string? name)
    {
        if (IsStoredName(name))
        {
            File.Delete(Path.Combine(settings.UploadDirectory, name!));
        }
    }

    public static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".png" => "image/png",
        ".gif" => "image/gif",
        _ => "image/jpeg",
    };

    private static string? Sniff(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "png";
        }

        if (header.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "jpg";
        }

        return header.StartsWith("GIF87a"u8) || header.StartsWith("GIF89a"u8) ? "gif" : null;
    }

    [GeneratedRegex("^[0-9a-f]{32}\\.(png|jpg|jpeg|gif)$")]
    private static partial Regex StoredNamePattern();
}
