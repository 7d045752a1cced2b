using Map.Modules.Tracker.Wire;

namespace Map.Modules.Tracker.Onboarding;

/// <summary>
/// The enveloped onboarding endpoints (tracker spec §3.4) answer a broken rule in the tracker envelope: the
/// domain error's text is the machine <c>code</c>, its kind the status; a refused body is 400 <c>bad_request</c>.
/// </summary>
internal static class OnboardingErrors
{
    public static RouteHandlerBuilder WithOnboardingEnvelope(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new ApiErrorSchemaAttribute(ApiErrorSchemas.TrackerEnvelope)).AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (DomainException ex)
            {
                return Envelope.Error(DomainErrorStatus.Of(ex.Kind), ex.Error, Describe(ex.Error));
            }
            catch (ApiException ex)
            {
                return Envelope.Error(StatusCodes.Status400BadRequest, "bad_request", ex.Error);
            }
        });

    private static string Describe(string code) => code switch
    {
        "missing_tg_user_id" => "tg_user_id is required",
        "invalid_tg_user_id" => "tg_user_id must be a Telegram id (digits)",
        "invalid_base_url" => "base_url must be an http(s) URL",
        "note_too_long" => "note is too long (at most 256 characters)",
        "label_too_long" => "label is too long (at most 128 characters)",
        "token_required" => "token is required",
        "token_not_found" => "unknown token",
        "token_used" => "token already used",
        "token_expired" => "token expired",
        "not_allowed" => "this Telegram id may not request a bootstrap link",
        "not_officer" => "service access (officer) is required",
        _ => code,
    };
}
