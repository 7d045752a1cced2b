using Hangfire.Common;
using Hangfire.States;
using Map.Modules.Chat.Contracts;
using Map.Modules.Markers.Contracts;
using Mediator;
using Prometheus;

namespace Map.Host.Platform.Metrics;

/// <summary>
/// The modules' domain counters, counted from their integration events. In-process handlers run only on the instance
/// that raised the event (never on the instances the Redis bridge delivers it to), so a sum over instances counts each
/// event once. One approval raises PendingApproved and MarkerApproved; only the Pending* events are counted. The names are the contract of deploy/prometheus/alerts.yml and deploy/grafana (decision 0091).
/// </summary>
internal sealed class DomainMetrics :
    INotificationHandler<PendingCreated>,
    INotificationHandler<PendingApproved>,
    INotificationHandler<PendingRejected>,
    INotificationHandler<ChatMessagePosted>
{
    public static readonly Counter ReportsSubmitted = Prometheus.Metrics.CreateCounter(
        "map_reports_submitted_total", "Field reports stored as pending (bot, Mini App, web).");

    public static readonly Counter Moderations = Prometheus.Metrics.CreateCounter(
        "map_moderations_total", "Moderation decisions on pending reports.", "result");

    public static readonly Counter ChatMessages = Prometheus.Metrics.CreateCounter(
        "map_chat_messages_total", "Support-chat messages stored, by sender (user, admin).", "sender");

    /// <summary>
    /// Publishes every known series at 0 from the start, so dashboards show them and <c>increase()</c> in the alert rules
    /// sees the first failure (a series that appears with 1 has no earlier sample to increase from).
    /// </summary>
    public static void PublishAtZero(IEnumerable<string> jobIds)
    {
        ReportsSubmitted.Publish();
        Moderations.WithLabels("approved").Publish();
        Moderations.WithLabels("rejected").Publish();
        ChatMessages.WithLabels("user").Publish();
        ChatMessages.WithLabels("admin").Publish();
        Outbox.OutboxMetrics.TelegramDeliveries.WithLabels("delivered").Publish();
        Outbox.OutboxMetrics.TelegramDeliveries.WithLabels("failed").Publish();
        foreach (var id in jobIds)
        {
            JobFailureMetricsFilter.Failures.WithLabels(id).Publish();
        }
    }

    public ValueTask Handle(PendingCreated notification, CancellationToken cancellationToken) => Count(ReportsSubmitted);

    public ValueTask Handle(PendingApproved notification, CancellationToken cancellationToken) => Count(Moderations.WithLabels("approved"));

    public ValueTask Handle(PendingRejected notification, CancellationToken cancellationToken) => Count(Moderations.WithLabels("rejected"));

    public ValueTask Handle(ChatMessagePosted notification, CancellationToken cancellationToken) =>
        Count(ChatMessages.WithLabels(notification.Message.Sender));

    private static ValueTask Count(ICounter counter)
    {
        counter.Inc();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// <c>map_job_failures_total{name}</c>: every time a Hangfire job fails (an attempt that throws), named by its recurring
/// job id or else its class. Registered as a global filter of this host's Hangfire configuration.
/// </summary>
internal sealed class JobFailureMetricsFilter : JobFilterAttribute, IElectStateFilter
{
    public static readonly Counter Failures = Prometheus.Metrics.CreateCounter(
        "map_job_failures_total", "Failed Hangfire job attempts, by job.", "name");

    public void OnStateElection(ElectStateContext context)
    {
        if (context.CandidateState is not FailedState)
        {
            return;
        }

        var name = context.GetJobParameter<string>("RecurringJobId")
            ?? context.BackgroundJob.Job?.Type.Name
            ?? "unknown";
        Failures.WithLabels(name).Inc();
    }
}
