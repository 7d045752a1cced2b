using System.Diagnostics;

namespace Map.Perf;

/// <summary>Latency and throughput of one endpoint under load.</summary>
internal sealed record EndpointResult(string Name, int Ok, int Fail, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double RequestsPerSecond)
{
    public double? BaselineRatio { get; init; }

    public string? FirstFailure { get; init; }
}

/// <summary>
/// Closed-loop load: <c>concurrency</c> workers each send <c>runs</c> requests back to back (runs × concurrency in
/// total, repeated until <c>--min-seconds</c> have passed), after a timed warm-up (<c>--warmup</c>) that is not counted. Throughput = completed requests / wall time.
/// </summary>
internal static class LoadRunner
{
    private static long sequence;

    public static async Task<EndpointResult> RunAsync(PerfEndpoint endpoint, PerfClients clients, int runs, int concurrency, TimeSpan timeout, TimeSpan warmup, TimeSpan minDuration)
    {
        // Warm-up, not counted: the same closed loop for a while, so the server's JIT tiers (a fresh process runs
        // unoptimised code for its first seconds under load), connection pools and database caches settle first.
        var warmUntil = Stopwatch.GetTimestamp() + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var warmPace = new Pace(endpoint.RatePerSecond);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < warmUntil)
            {
                await warmPace.NextAsync();
                try
                {
                    using var cts = new CancellationTokenSource(timeout);
                    using var response = await endpoint.Send(clients, Interlocked.Increment(ref sequence), cts.Token);
                    await response.Content.CopyToAsync(Stream.Null, cts.Token);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Counted in the measured phase if it persists.
                }
            }
        })));

        // Measured: batches of runs × concurrency requests until at least minDuration has passed, so fast endpoints
        // are not judged on a few milliseconds of traffic (one GC pause would decide the figure).
        var latencies = new List<double>(runs * concurrency);
        var failures = 0;
        string? firstFailure = null;
        var clock = Stopwatch.StartNew();
        var pace = new Pace(endpoint.RatePerSecond);
        do
        {
            var batch = new double[runs * concurrency];
            var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
            {
                for (var i = 0; i < runs; i++)
                {
                    var started = await pace.NextAsync();
                    var ok = false;
                    string? failure = null;
                    try
                    {
                        using var cts = new CancellationTokenSource(timeout);
                        using var response = await endpoint.Send(clients, Interlocked.Increment(ref sequence), cts.Token);
                        ok = response.IsSuccessStatusCode;
                        if (!ok)
                        {
                            failure = $"HTTP {(int)response.StatusCode}: {Truncate(await response.Content.ReadAsStringAsync(CancellationToken.None))}";
                        }
                        else
                        {
                            // Time to the last byte. An endpoint sent with ResponseHeadersRead streams its body through a
                            // pooled buffer here instead of into a fresh array per response (a 300 KB answer would put
                            // one on the large-object heap each time, and the client's own gen-2 pauses into the figures).
                            await response.Content.CopyToAsync(Stream.Null, cts.Token);
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        failure = ex.GetType().Name + ": " + ex.Message;
                    }

                    batch[(worker * runs) + i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    if (!ok)
                    {
                        Interlocked.Increment(ref failures);
                        Interlocked.CompareExchange(ref firstFailure, failure, null);
                    }
                }
            })).ToArray();
            await Task.WhenAll(workers);
            latencies.AddRange(batch);
        }
        while (clock.Elapsed < minDuration);

        clock.Stop();
        var sorted = latencies.ToArray();
        Array.Sort(sorted);
        return new EndpointResult(
            endpoint.Name,
            sorted.Length - failures,
            failures,
            Percentile(sorted, 0.50),
            Percentile(sorted, 0.95),
            Percentile(sorted, 0.99),
            sorted[^1],
            sorted.Length / clock.Elapsed.TotalSeconds)
        {
            FirstFailure = firstFailure,
        };
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Start times of an open-loop phase (<see cref="PerfEndpoint.RatePerSecond"/>); closed loop: now.</summary>
    private sealed class Pace(double? ratePerSecond)
    {
        private readonly long origin = Stopwatch.GetTimestamp();
        private long issued = -1;

        /// <summary>Waits for the next request's slot and returns its scheduled start (the latency origin).</summary>
        public async Task<long> NextAsync()
        {
            if (ratePerSecond is not { } rate)
            {
                return Stopwatch.GetTimestamp();
            }

            var due = origin + (long)(Interlocked.Increment(ref issued) * Stopwatch.Frequency / rate);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            return due;
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200];
}
