using Outpost.Sdk.Agents;

namespace Outpost.Agent.ControlPlane;

/// <summary>
/// The agent's lifecycle state and the changes the server has not been sent yet. A change made while
/// the control plane is down waits here and goes out, in order and with the time it happened, on the
/// next connection.
/// </summary>
internal sealed class LifecycleReporter(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<LifecycleMessage> _pending = [];
    private readonly List<(LifecycleMessage Message, TaskCompletionSource Sent)> _waiters = [];
    private readonly List<LifecycleMessage> _history = [];
    private AgentLifecycleState _state = AgentLifecycleState.Created;
    private Action? _changed;

    public AgentLifecycleState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>Every change so far, oldest first (for logs and tests).</summary>
    public IReadOnlyList<LifecycleMessage> History
    {
        get
        {
            lock (_gate)
            {
                return [.. _history];
            }
        }
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Called (outside the lock) after every change; the control plane uses it to wake its sender.</summary>
    public void OnChanged(Action changed)
    {
        lock (_gate)
        {
            _changed += changed;
        }
    }

    public LifecycleMessage Set(AgentLifecycleState state)
    {
        var message = new LifecycleMessage { State = state, ChangedAt = time.GetUtcNow() };
        Action? changed;
        lock (_gate)
        {
            _state = state;
            _history.Add(message);
            _pending.Add(message);
            changed = _changed;
        }

        changed?.Invoke();
        return message;
    }

    /// <summary>The oldest change not sent yet.</summary>
    public bool TryPeek(out LifecycleMessage message)
    {
        lock (_gate)
        {
            message = _pending.Count > 0 ? _pending[0] : null!;
            return _pending.Count > 0;
        }
    }

    /// <summary>Marks <paramref name="message"/> as sent; completes the waiters it was the last for.</summary>
    public void Sent(LifecycleMessage message)
    {
        List<TaskCompletionSource> reached = [];
        lock (_gate)
        {
            if (_pending.Count > 0 && ReferenceEquals(_pending[0], message))
            {
                _pending.RemoveAt(0);
            }

            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_pending.Exists(m => ReferenceEquals(m, _waiters[i].Message)))
                {
                    reached.Add(_waiters[i].Sent);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in reached)
        {
            waiter.TrySetResult();
        }
    }

    /// <summary>Completes when every change made so far has been sent.</summary>
    public Task WhenSentAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((_pending[^1], reached));
            return reached.Task.WaitAsync(cancellationToken);
        }
    }
}
