"""Problems specific to talking to a tenant: not authenticated yet, refused credentials,
missing permissions, an unreachable Graph. None of them is a 500: each says what to do."""

from __future__ import annotations

from app.errors import Conflict, ProblemError
from app.graph import GraphAuthError, GraphError, GraphTransientError


class NotAuthenticated(Conflict):
    slug, title = "app-not-authenticated", "Authenticate the app first"


class MissingCredentials(Conflict):
    slug, title = "app-credentials-missing", "The app has no client secret or certificate"


class CredentialsUnreadable(MissingCredentials):
    """A stored client secret or certificate cannot be decrypted: SECRET_KEY is not the key it
    was saved with. Like a missing credential, only an admin can fix it (so a task is held as
    blocked, not retried)."""

    slug, title = "app-credentials-unreadable", "The app's stored credential cannot be decrypted"


class SandboxUnavailable(Conflict):
    slug, title = "sandbox-unavailable", "No sandbox tenant is configured on this server"


class TenantRefused(Conflict):
    """The identity platform or Graph refused us (wrong secret, no consent, 403)."""

    slug, title = "tenant-refused", "The tenant refused the request"


class TenantUnavailable(ProblemError):
    status, slug, title = 503, "tenant-unavailable", "Microsoft Graph did not answer"


class TenantError(ProblemError):
    status, slug, title = 502, "tenant-error", "Microsoft Graph returned an error"


class ConsentFailed(ProblemError):
    status, slug, title = 400, "consent-failed", "Admin consent did not complete"


def from_graph(exc: GraphError) -> ProblemError:
    """A problem for a Graph failure, carrying Graph's (or AADSTS) code and message.

    MsalTokenProvider already strips our secret from any text it passes on; messages are
    Microsoft's, so they name the AADSTS error an admin can look up.
    """
    text = f"{exc.code}: {exc.message}".strip()
    if exc.request_id:
        text += f" (request-id {exc.request_id})"
    if isinstance(exc, GraphAuthError):
        if "AADSTS65001" in exc.message or exc.code == "invalid_grant":
            return NotAuthenticated(f"The tenant has not consented to this app. {text}")
        return TenantRefused(text)
    if isinstance(exc, GraphTransientError):
        return TenantUnavailable(text)
    return TenantError(text)
