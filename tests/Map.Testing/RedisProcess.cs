using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Map.Testing;

/// <summary>
/// A private <c>redis-server</c> a test can stop and start again, to prove Map survives Redis going away
/// without disturbing the shared test Redis.
/// </summary>
public sealed class RedisProcess : IDisposable
{
    private Process? process;

    public RedisProcess()
    {
        Port = Network.FreePort();
        Start();
    }

    public int Port { get; }

    public string Url => $"redis://127.0.0.1:{Port}/0";

    public void Start()
    {
        process = Process.Start(new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start (is it installed? scripts/test.sh installs it)");
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        WaitUntil(listening: true);
    }

    public void Stop()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        WaitUntil(listening: false);
    }

    public void Dispose()
    {
        Stop();
        process?.Dispose();
    }

    private void WaitUntil(bool listening)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            if (IsListening() == listening)
            {
                return;
            }

            Thread.Sleep(50);
        }

        throw new TimeoutException($"redis-server on port {Port} did not {(listening ? "start" : "stop")}");
    }

    private bool IsListening()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

}
