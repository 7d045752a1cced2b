using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Map.Operations.Tests;

/// <summary>
/// Debian's Prometheus running the committed <c>deploy/prometheus/prometheus.yml</c> and <c>alerts.yml</c>, as a child
/// process on a free loopback port with its storage in a scratch directory. The file is used as it is, with exactly
/// four strings changed: the targets, the key file, and the scrape and evaluation intervals (1 s, so a test sees
/// rates within seconds).
/// </summary>
internal sealed class PrometheusProcess : IAsyncDisposable
{
    public const string TargetsInConfig = "- targets: ['web:8000', 'worker:8000']";
    public const string KeyFileInConfig = "credentials_file: /etc/prometheus/map_metrics_api_key";
    public const string ScrapeIntervalInConfig = "scrape_interval: 15s";
    public const string EvaluationIntervalInConfig = "evaluation_interval: 15s";

    private readonly ChildProcess process;
    private readonly string directory;
    private readonly HttpClient client;

    private PrometheusProcess(ChildProcess process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Log => process.Error + process.Output;

    public static string Binary => File.Exists("/usr/bin/prometheus") ? "/usr/bin/prometheus" : "prometheus";

    public static string Promtool => File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";

    /// <summary>
    /// Writes the committed configuration, with the substitutions, the key file and a copy of alerts.yml (which
    /// the configuration names relative to itself), into <paramref name="directory"/>; returns the configuration's path.
    /// </summary>
    public static string WriteConfig(string directory, string target, string metricsKey)
    {
        var keyFile = Path.Combine(directory, "map_metrics_api_key");
        File.WriteAllText(keyFile, metricsKey);
        File.Copy(Repository.PathOf("deploy/prometheus/alerts.yml"), Path.Combine(directory, "alerts.yml"), overwrite: true);
        var config = Repository.Read("deploy/prometheus/prometheus.yml");
        config = ReplaceOnce(config, TargetsInConfig, $"- targets: ['{target}']");
        config = ReplaceOnce(config, KeyFileInConfig, $"credentials_file: {keyFile}");
        config = ReplaceOnce(config, ScrapeIntervalInConfig, "scrape_interval: 1s");
        config = ReplaceOnce(config, EvaluationIntervalInConfig, "evaluation_interval: 1s");
        var path = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(path, config);
        return path;
    }

    public static async Task<PrometheusProcess> StartAsync(string target, string metricsKey)
    {
        var port = Network.FreePort();
        var directory = Directory.CreateTempSubdirectory("map-prometheus-").FullName;
        var config = WriteConfig(directory, target, metricsKey);
        var child = ChildProcess.Start(Binary,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]);
        var prometheus = new PrometheusProcess(child, directory, port);
        var ready = await Eventually.TrueAsync(
            async () =>
            {
                if (child.HasExited)
                {
                    return true;
                }

                try
                {
                    return (await prometheus.client.GetAsync("/-/ready")).StatusCode == HttpStatusCode.OK;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60));
        if (!ready || child.HasExited)
        {
            var log = prometheus.Log;
            await prometheus.DisposeAsync();
            throw new InvalidOperationException($"Prometheus did not start:\n{log}");
        }

        return prometheus;
    }

    /// <summary>An instant query through the HTTP API (<c>/api/v1/query</c>): each series' labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string query)
    {
        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(query));
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"query failed: {body}");
        }

        return body.GetProperty("data").GetProperty("result").EnumerateArray()
            .Select(series => (
                (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
                double.Parse(series.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
    }

    /// <summary>The loaded alerting rules (<c>/api/v1/rules</c>) by name, with their evaluation health.</summary>
    public async Task<IReadOnlyDictionary<string, string>> RulesAsync()
    {
        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/rules?type=alert");
        return body.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(group => group.GetProperty("rules").EnumerateArray())
            .ToDictionary(rule => rule.GetProperty("name").GetString()!, rule => rule.GetProperty("health").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        client.Dispose();
        await process.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static string ReplaceOnce(string text, string from, string to)
    {
        var first = text.IndexOf(from, StringComparison.Ordinal);
        if (first < 0 || text.IndexOf(from, first + from.Length, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"deploy/prometheus/prometheus.yml must contain '{from}' exactly once (the tests substitute it).");
        }

        return string.Concat(text.AsSpan(0, first), to, text.AsSpan(first + from.Length));
    }
}
