namespace Map.Operations.Tests;

/// <summary>
/// Debian's nginx running the committed <c>deploy/nginx.conf</c>, as a child process on a free loopback port.
/// The file is used as it is, with exactly two strings changed: the upstream <c>web:8000</c> becomes the given
/// address and <c>listen 80;</c> the free port. It is included in a small main configuration that plays the part
/// of the nginx image's /etc/nginx/nginx.conf (pid, logs and temporary files under a scratch directory).
/// </summary>
internal sealed class NginxProcess : IAsyncDisposable
{
    public const string UpstreamInConfig = "web:8000";
    public const string ListenInConfig = "listen 80;";

    private readonly ChildProcess process;
    private readonly string directory;

    private NginxProcess(ChildProcess process, string directory, int port)
    {
        this.process = process;
        this.directory = directory;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string Log => process.Error + process.Output;

    public static string Binary => File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";

    /// <summary>deploy/nginx.conf with the upstream and the listen port substituted (each must occur exactly once).</summary>
    public static string SiteConfig(string upstream, int port)
    {
        var config = Repository.Read("deploy/nginx.conf");
        return ReplaceOnce(ReplaceOnce(config, UpstreamInConfig, upstream), ListenInConfig, $"listen 127.0.0.1:{port};");
    }

    public static async Task<NginxProcess> StartAsync(string upstream)
    {
        var port = Network.FreePort();
        var directory = Directory.CreateTempSubdirectory("map-nginx-").FullName;
        // Workers run as an unprivileged user when the tests run as root: they must reach the temporary files.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        await File.WriteAllTextAsync(Path.Combine(directory, "site.conf"), SiteConfig(upstream, port));
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
            daemon off;
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log stderr warn;
            events { worker_connections 256; }
            http {
                access_log /dev/stderr;
                client_body_temp_path {{directory}}/client_body;
                proxy_temp_path {{directory}}/proxy;
                fastcgi_temp_path {{directory}}/fastcgi;
                uwsgi_temp_path {{directory}}/uwsgi;
                scgi_temp_path {{directory}}/scgi;
                include {{directory}}/site.conf;
            }
            """);
        var child = ChildProcess.Start(Binary, ["-p", directory + "/", "-c", Path.Combine(directory, "nginx.conf"), "-e", "stderr"]);
        var nginx = new NginxProcess(child, directory, port);
        try
        {
            await Network.WaitForPortAsync(port, () => child.HasExited, TimeSpan.FromSeconds(20));
            return nginx;
        }
        catch (Exception ex) when (ex is TimeoutException)
        {
            var log = nginx.Log;
            await nginx.DisposeAsync();
            throw new InvalidOperationException($"nginx did not start:\n{log}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static string ReplaceOnce(string text, string from, string to)
    {
        var first = text.IndexOf(from, StringComparison.Ordinal);
        if (first < 0 || text.IndexOf(from, first + from.Length, StringComparison.Ordinal) >= 0)
        {
            throw new InvalidOperationException($"deploy/nginx.conf must contain '{from}' exactly once (the tests substitute it).");
        }

        return string.Concat(text.AsSpan(0, first), to, text.AsSpan(first + from.Length));
    }
}
