using System.Diagnostics;
using Map.Testing;

namespace Map.Host.Tests;

[CollectionDefinition(nameof(AloneInProcess), DisableParallelization = true)]
public sealed class AloneInProcess;

/// <summary>
/// Issue 17 row 4: an anonymous <c>POST /api/bot/webapp_submit</c> (no initData) with a huge body is refused before the
/// body is read, so a burst of them costs no memory. Measured in this process (Kestrel runs in it), alone: no other
/// test class allocates meanwhile. Bounds are in bytes allocated and heap kept, never in time.
/// </summary>
[Collection(nameof(AloneInProcess))]
public sealed class AnonymousBodyMemoryTests(MapTestContext map) : IClassFixture<MapTestContext>
{
    private const int Requests = 40;
    private const long BodyBytes = 16L * 1024 * 1024; // under MAX_REQUEST_BODY_MB (20): the endpoint itself must refuse
    private const long Bound = 100L * 1024 * 1024;

    // A chunked body declares no length, so up to the anonymous cap (1 MiB, decision 0071) is read before the refusal:
    // 20 such requests may allocate about 2 MiB each while their buffer grows. Allocation counts both sides (the
    // client's send buffers live in this process too), so it gets that much more room; what is kept (heap) does not.
    private const long AllocationBound = Bound + (Requests / 2 * 3L * 1024 * 1024);

    [Fact]
    public async Task A_burst_of_oversized_anonymous_mini_app_bodies_is_refused_without_reading_them_into_memory()
    {
        var app = map.StartInstance(new MapHostOptions { UseKestrel = true });
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Requests }) { BaseAddress = app.BrowserAddress, Timeout = TimeSpan.FromMinutes(5) };
        await SendAsync(client, 0, 1024); // warm up the route, the pools and the JIT outside the measurement

        var (heapBefore, allocatedBefore, workingSetBefore) = Measure();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Requests).Select(i => SendAsync(client, i, BodyBytes)));
        var (heapAfter, allocatedAfter, workingSetAfter) = Measure();

        // Refused: a 4xx, or the connection closed while the client was still sending what nobody reads.
        Assert.All(outcomes, status => Assert.True(status is null or >= 400 and < 500, $"answered {status}"));
        var sent = Requests * BodyBytes;
        var allocated = allocatedAfter - allocatedBefore;
        var report = $"sent {sent >> 20} MiB; allocated {allocated >> 20} MiB, heap {(heapAfter - heapBefore) >> 20} MiB, working set {(workingSetAfter - workingSetBefore) >> 20} MiB";
        Assert.True(allocated < AllocationBound, report);
        Assert.True(heapAfter - heapBefore < Bound, report);
        Assert.True(workingSetAfter - workingSetBefore < 2 * Bound, report);
    }

    private static async Task<int?> SendAsync(HttpClient client, int index, long bytes)
    {
        var content = new StreamContent(new ZeroStream(bytes));
        if (index % 2 == 0)
        {
            content.Headers.ContentLength = bytes; // half declare their length, half are chunked
        }

        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await client.PostAsync("/api/bot/webapp_submit", content);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static (long Heap, long Allocated, long WorkingSet) Measure()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var self = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), GC.GetTotalAllocatedBytes(precise: true), self.WorkingSet64);
    }

    /// <summary>A body of <c>'0'</c> bytes produced on demand, so the client holds none of it.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - position);
            buffer.AsSpan(offset, n).Fill((byte)'0');
            position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
