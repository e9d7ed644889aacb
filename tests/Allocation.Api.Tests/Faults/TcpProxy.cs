using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Allocation.Api.Tests.Faults;

/// <summary>
/// A TCP proxy on 127.0.0.1 between the API and its database, so a test can do to the network what a network does:
/// cut every connection, or stall traffic (stop forwarding, without closing anything) and resume it.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, (TcpClient Client, TcpClient Upstream)> _connections = new();
    private readonly Task _accepting;
    private readonly Lock _gate = new();
    private volatile TaskCompletionSource _flowing = Open();
    private int _next;

    public TcpProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Stops forwarding in both directions; connections stay open and new ones are accepted but get no answer.</summary>
    public void Stall()
    {
        lock (_gate)
            if (_flowing.Task.IsCompleted) _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Forwards again, including what was held back.</summary>
    public void Resume()
    {
        lock (_gate) _flowing.TrySetResult();
    }

    /// <summary>Closes every open connection at once, as a network failure would; new connections work.</summary>
    public void CutAll()
    {
        foreach (var (id, (client, upstream)) in _connections)
        {
            client.Close();
            upstream.Close();
            _connections.TryRemove(id, out _);
        }
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        var id = Interlocked.Increment(ref _next);
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            _connections[id] = (client, upstream);
            await Task.WhenAny(PumpAsync(client.GetStream(), upstream.GetStream()), PumpAsync(upstream.GetStream(), client.GetStream()));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The database is down or the connection was cut: the client sees its connection end.
        }
        finally
        {
            _connections.TryRemove(id, out _);
            client.Close();
            upstream.Close();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                await _flowing.Task.WaitAsync(_stop.Token);
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0) return;
                // Data read while flowing but stalled before it is written is held back like the rest.
                await _flowing.Task.WaitAsync(_stop.Token);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        await _accepting;
        _stop.Dispose();
    }
}
