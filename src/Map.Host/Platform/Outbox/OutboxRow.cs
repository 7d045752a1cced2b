namespace Map.Host.Platform.Outbox;

/// <summary>States of <c>platform.outbox_messages</c>.</summary>
internal static class OutboxState
{
    /// <summary>Waiting for its (next) attempt.</summary>
    public const string Pending = "pending";

    public const string Delivered = "delivered";

    /// <summary>Its handler said it is no longer needed.</summary>
    public const string Skipped = "skipped";

    /// <summary>Refused for good or out of attempts: the dead-letter state (a failed Hangfire job names it).</summary>
    public const string Dead = "dead";
}

/// <summary>One recorded outgoing message and its delivery state.</summary>
internal sealed class OutboxRow
{
    public long Id { get; private set; }

    public string Type { get; private set; } = "";

    public string Key { get; private set; } = "";

    public string Payload { get; private set; } = "";

    public string State { get; private set; } = OutboxState.Pending;

    public int Attempts { get; private set; }

    public DateTime NextAttemptAt { get; private set; }

    public DateTime CreatedAt { get; private set; }

    public DateTime? CompletedAt { get; private set; }

    public string? LastError { get; private set; }

    public void Complete(string state, DateTime now)
    {
        State = state;
        CompletedAt = now;
    }

    public void Failed(string error, DateTime nextAttemptAt)
    {
        Attempts++;
        LastError = Clip(error);
        NextAttemptAt = nextAttemptAt;
    }

    public void Dead(string error, DateTime now, bool countsAsAttempt)
    {
        if (countsAsAttempt)
        {
            Attempts++;
        }

        LastError = Clip(error);
        Complete(OutboxState.Dead, now);
    }

    private static string Clip(string value) => value.Length <= 500 ? value : value[..500];
}
