using System.Globalization;
using System.Text.Json;

namespace Map.Perf;

internal sealed record ScaleRun(long? Scale, IReadOnlyList<EndpointResult> Results);

internal static class Report
{
    public static void Print(TextWriter output, long? scale, EndpointResult baseline, IReadOnlyList<EndpointResult> results)
    {
        output.WriteLine();
        if (scale is not null)
        {
            output.WriteLine($"== at {scale.Value.ToString("N0", CultureInfo.InvariantCulture)} rows per scenario ==");
        }

        output.WriteLine($"{"endpoint",-48} {"ok",7} {"fail",5} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"max ms",8} {"req/s",9} {"x base",7}");
        Line(output, baseline);
        foreach (var result in results)
        {
            Line(output, result);
            if (result.FirstFailure is not null)
            {
                output.WriteLine($"    first failure: {result.FirstFailure}");
            }
        }
    }

    /// <summary>
    /// One result per endpoint from several rounds: the median of each figure (requests counted over all rounds), so one
    /// slow minute does not decide a comparison. A single round is returned as it is.
    /// </summary>
    public static List<EndpointResult> Medians(IReadOnlyList<IReadOnlyList<EndpointResult>> rounds)
    {
        if (rounds.Count == 1)
        {
            return [.. rounds[0]];
        }

        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }

        return [.. rounds[0].Select((first, i) =>
        {
            var all = rounds.Select(r => r[i]).ToList();
            return new EndpointResult(
                first.Name, all.Sum(r => r.Ok), all.Sum(r => r.Fail),
                Median(all.Select(r => r.P50Ms)), Median(all.Select(r => r.P95Ms)), Median(all.Select(r => r.P99Ms)),
                Median(all.Select(r => r.MaxMs)), Median(all.Select(r => r.RequestsPerSecond)))
            {
                BaselineRatio = Median(all.Select(r => r.BaselineRatio ?? 0)),
                FirstFailure = all.Select(r => r.FirstFailure).FirstOrDefault(f => f is not null),
            };
        })];
    }

    public static void PrintScaling(TextWriter output, IReadOnlyList<ScaleRun> runs)
    {
        var first = runs[0];
        output.WriteLine();
        output.WriteLine($"== p99 scaling vs {first.Scale?.ToString("N0", CultureInfo.InvariantCulture)} rows ==");
        foreach (var result in first.Results)
        {
            var cells = runs.Select(run =>
            {
                var r = run.Results.Single(x => x.Name == result.Name);
                return $"{run.Scale?.ToString("N0", CultureInfo.InvariantCulture)}: {r.P99Ms:F1} ms ({r.P99Ms / result.P99Ms:F2}x)";
            });
            output.WriteLine($"{result.Name,-48} {string.Join("   ", cells)}");
        }
    }

    public static string ToJson(PerfOptions options, Uri target, EndpointResult baseline, IReadOnlyList<ScaleRun> runs) =>
        JsonSerializer.Serialize(
            new
            {
                target = target.ToString(),
                runs = options.Runs,
                concurrency = options.Concurrency,
                machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
                baseline,
                results = runs.Select(r => new { scale = r.Scale, endpoints = r.Results }),
            },
            JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static void Line(TextWriter output, EndpointResult r) =>
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{Clip(r.Name),-48} {r.Ok,7} {r.Fail,5} {r.P50Ms,8:F2} {r.P95Ms,8:F2} {r.P99Ms,8:F2} {r.MaxMs,8:F2} {r.RequestsPerSecond,9:F0} {(r.BaselineRatio is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "1.00"),7}"));

    private static string Clip(string name) => name.Length <= 48 ? name : name[..47] + "…";
}
