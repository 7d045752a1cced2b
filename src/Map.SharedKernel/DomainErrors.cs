namespace Map.SharedKernel;

/// <summary>Which kind of rule a request broke. The edge maps each kind to the HTTP status the specs name.</summary>
public enum DomainErrorKind
{
    /// <summary>The input breaks a rule (400).</summary>
    Invalid,

    /// <summary>What the request names does not exist, or not for this caller (404).</summary>
    NotFound,

    /// <summary>The caller may not do this to this thing, e.g. outside their zones (403).</summary>
    Forbidden,

    /// <summary>The thing is in a state that does not allow the change, e.g. already moderated (409).</summary>
    Conflict,

    /// <summary>A value is larger than the rule allows, e.g. a photo over UPLOAD_MAX_MB (413).</summary>
    TooLarge,

    /// <summary>What the request names existed but has expired, e.g. a one-time link past its life (410).</summary>
    Gone,
}

/// <summary>
/// A business or input rule failed. Handlers and domain types throw it with the legacy error text and a
/// <see cref="DomainErrorKind"/>; they never choose an HTTP status (decision 0008). Modules whose wire has an error
/// envelope (the tracker's <c>code</c>, <c>error</c>, <c>details</c>) also give the machine code and details.
/// </summary>
public sealed class DomainException(DomainErrorKind kind, string error) : Exception(error)
{
    public DomainErrorKind Kind { get; } = kind;

    public string Error { get; } = error;

    /// <summary>The machine code an enveloped wire answers with (e.g. <c>session_inactive</c>); null where the wire has none.</summary>
    public string? Code { get; init; }

    /// <summary>Structured details an enveloped wire answers with (e.g. the active session's id).</summary>
    public object? Details { get; init; }

    public static DomainException Invalid(string error) => new(DomainErrorKind.Invalid, error);

    public static DomainException NotFound(string error = "not found") => new(DomainErrorKind.NotFound, error);

    public static DomainException Forbidden() => new(DomainErrorKind.Forbidden, "forbidden");

    public static DomainException Conflict(string error) => new(DomainErrorKind.Conflict, error);

    public static DomainException TooLarge(string error) => new(DomainErrorKind.TooLarge, error);

    public static DomainException Gone(string error) => new(DomainErrorKind.Gone, error);
}

/// <summary>The one mapping from a broken rule's kind to the HTTP status the specs name; only edges call it.</summary>
public static class DomainErrorStatus
{
    public static int Of(DomainErrorKind kind) => kind switch
    {
        DomainErrorKind.Invalid => StatusCodes.Status400BadRequest,
        DomainErrorKind.NotFound => StatusCodes.Status404NotFound,
        DomainErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        DomainErrorKind.Conflict => StatusCodes.Status409Conflict,
        DomainErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        DomainErrorKind.Gone => StatusCodes.Status410Gone,
        _ => StatusCodes.Status500InternalServerError,
    };
}
