using System.Text.Json;
using System.Text.Json.Nodes;

namespace Map.Modules.Markers.Geocoding;

/// <summary>
/// The offline geocoder (<c>OFFLINE_GEOCODE_FILE</c>): a JSON array of <c>{display_name, lat, lon}</c>, entries may also
/// carry <c>name</c> or <c>address</c>. Parsed once and re-read only when the file changes (the predecessor read it
/// on every request). Writers replace the file atomically, one at a time. The file is local to the instance: give
/// replicas a shared volume.
/// </summary>
internal sealed class OfflineGeocodeFile(MarkersSettings settings, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly Lock readLock = new();
    private Snapshot? snapshot;

    public string Path => settings.OfflineGeocodeFile;

    /// <summary>Hits whose name, display_name or address contains <paramref name="q"/> (case-insensitive), in file order.</summary>
    public IReadOnlyList<GeocodeHit> Search(string q, int limit)
    {
        var hits = new List<GeocodeHit>();
        foreach (var entry in Entries())
        {
            if (hits.Count >= limit)
            {
                break;
            }

            if (entry.Matches(q))
            {
                hits.Add(new GeocodeHit(entry.Label, entry.Lat, entry.Lon));
            }
        }

        return hits;
    }

    /// <summary>The entries, or none when the file is missing or not a JSON array.</summary>
    public IReadOnlyList<OfflineEntry> Entries()
    {
        var info = new FileInfo(Path);
        if (!info.Exists)
        {
            return [];
        }

        lock (readLock)
        {
            if (snapshot is { } current && current.Modified == info.LastWriteTimeUtc && current.Length == info.Length)
            {
                return current.Entries;
            }
        }

        var entries = Load(info.FullName);
        lock (readLock)
        {
            snapshot = new Snapshot(info.LastWriteTimeUtc, info.Length, entries);
        }

        return entries;
    }

    /// <summary>Removes the entry at <paramref name="index"/>; false when there is no such entry.</summary>
    public async Task<bool> DeleteEntryAsync(int index, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(Path) || ReadArray() is not { } array || index < 0 || index >= array.Count)
            {
                return false;
            }

            array.RemoveAt(index);
            await WriteAtomicallyAsync(array.ToJsonString(), cancellationToken);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    public async Task<bool> DeleteAsync(CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(Path))
            {
                return false;
            }

            File.Delete(Path);
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>
    /// Starts a replacement of the whole file: entries are streamed into a temporary file that takes the file's place on
    /// <see cref="Replacement.CommitAsync"/>; disposing without committing leaves the old file alone.
    /// </summary>
    public async Task<Replacement> BeginReplacementAsync(CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            return new Replacement(this, $"{Path}.{clock.GetTimestamp()}.tmp");
        }
        catch
        {
            writeLock.Release();
            throw;
        }
    }

    /// <summary>Size, entry count and change time for the admin panel; null figures when the file is missing or unreadable.</summary>
    public (bool Exists, int? Entries, long? SizeBytes, DateTime? Modified) Describe()
    {
        var info = new FileInfo(Path);
        if (!info.Exists)
        {
            return (false, null, null, null);
        }

        return (true, ReadArray()?.Count, info.Length, info.LastWriteTimeUtc);
    }

    public void Dispose() => writeLock.Dispose();

    private JsonArray? ReadArray()
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(Path)) as JsonArray;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }

    private async Task WriteAtomicallyAsync(string json, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        var temporary = $"{Path}.{clock.GetTimestamp()}.tmp";
        await File.WriteAllTextAsync(temporary, json, cancellationToken);
        File.Move(temporary, Path, overwrite: true);
    }

    private static List<OfflineEntry> Load(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var entries = new List<OfflineEntry>();
            var index = 0;
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    entries.Add(new OfflineEntry(
                        index,
                        Text(item, "name"),
                        Text(item, "display_name"),
                        Text(item, "address"),
                        item.TryGetProperty("lat", out var lat) ? lat.Clone() : default,
                        item.TryGetProperty("lon", out var lon) ? lon.Clone() : default));
                }

                index++;
            }

            return entries;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return [];
        }
    }

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A file being rebuilt; holds the write lock until disposed.</summary>
    internal sealed class Replacement : IAsyncDisposable
    {
        private readonly OfflineGeocodeFile owner;
        private readonly string temporary;
        private readonly FileStream stream;
        private readonly Utf8JsonWriter json;
        private bool committed;

        public Replacement(OfflineGeocodeFile owner, string temporary)
        {
            this.owner = owner;
            this.temporary = temporary;
            stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 65536, useAsync: true);
            json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            json.WriteStartArray();
        }

        public int Count { get; private set; }

        public async Task AddAsync(string displayName, double lat, double lon, CancellationToken cancellationToken)
        {
            json.WriteStartObject();
            json.WriteString("display_name", displayName);
            json.WriteNumber("lat", lat);
            json.WriteNumber("lon", lon);
            json.WriteEndObject();
            Count++;
            if (json.BytesPending > 60_000)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            json.WriteEndArray();
            await json.DisposeAsync();
            await stream.DisposeAsync();
            File.Move(temporary, owner.Path, overwrite: true);
            committed = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (!committed)
            {
                await json.DisposeAsync();
                await stream.DisposeAsync();
                File.Delete(temporary);
            }

            owner.writeLock.Release();
        }
    }

    private sealed record Snapshot(DateTime Modified, long Length, IReadOnlyList<OfflineEntry> Entries);
}

/// <summary>One element of the offline file, with its position in the array (the admin panel deletes by index).</summary>
internal sealed record OfflineEntry(int Index, string? Name, string? DisplayName, string? Address, JsonElement Lat, JsonElement Lon)
{
    public string Label => DisplayName ?? Name ?? Address ?? "";

    public bool Matches(string q) =>
        (Name?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false)
        || (DisplayName?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false)
        || (Address?.Contains(q, StringComparison.OrdinalIgnoreCase) ?? false);
}
