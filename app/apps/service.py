"""Apps: validation, storage, consent state, and what the tenant told us (domain, entitlements).

Rules only: queries are in `repository`. Functions take an open session and never commit; the
caller at the edge owns the transaction. Secrets are encrypted before they touch the row and
are never put back into any API shape.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlmodel import Session

from app import crypto, recompute
from app.apps import callback_check
from app.apps import repository as repo
from app.apps.clouds import cloud_endpoints
from app.apps.credentials import encrypt_certificate, parse_certificate
from app.apps.errors import ConsentFailed
from app.apps.sandbox_default import sandbox_in_use
from app.apps.schemas import (
    DEFAULT_MATCH_ORDER,
    AppCreate,
    AppRead,
    ApprovalPolicy,
    AppUpdate,
    AuthorizeRead,
    CertificateIn,
    CertificateRead,
    ConsentRead,
    DomainCheckRead,
    DriftPolicy,
    EntitlementsRead,
    LicenseRead,
    ParameterIn,
    SandboxDemoRead,
    TenantGroupRead,
    is_guid,
)
from app.apps.tenant import DomainStatus
from app.audit import service as audit
from app.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    field_error,
    reject_nulls,
)
from app.evaluation.errors import EvaluationError
from app.evaluation.parameters import (
    Parameter,
    default_parameters,
    parameter_violations,
    validate_parameters,
)
from app.jobs.kinds import JobKind
from app.jobs.service import start_job
from app.licensing import product_name
from app.models import App, OAuthState, utcnow
from app.sandbox import seed
from app.settings import Settings
from app.webhooks import service as webhooks

log = logging.getLogger("app.apps")

CALLBACK_PATH = "/oauth/consent/callback"
# Changing any of these points the app at another tenant or identity: consent, cached tokens
# and what we learnt about the domain no longer apply.
_IDENTITY_FIELDS = ("tenant", "cloud", "client_id")


# Who approves what, and what deprovisioning does: changing them needs `admin`.
POLICY_FIELDS = (
    "approval_required",
    "drift_policy",
    "match_order",
    "deletion_threshold",
    "on_user_deleted",
    "on_user_suspended",
    "on_app_removed",
)
# Who the app is at Microsoft and how it proves it, and which Microsoft (the cloud decides
# where its secret is sent and wipes consent like a tenant change): changing them needs `admin`.
CREDENTIAL_FIELDS = ("client_secret", "certificate", "client_id", "tenant", "cloud")
# What the audit trail records under `app.credentials_changed` (a secret as a fingerprint).
_CREDENTIAL_RECORD = (
    "client_secret",
    "certificate_thumbprint",
    "certificate_expires_at",
    "client_id",
    "tenant",
    "cloud",
    "consented_tenant_id",
)


# Inputs of the desired state of every assignment of the app (and of how it is applied).
_DESIRED_STATE_FIELDS = frozenset(
    {
        "domain",
        "parameters",
        "immutable_id_attribute",
        "provisioning_enabled",
        "approval_required",
        "on_user_deleted",
        "on_user_suspended",
        "on_app_removed",
        "deletion_threshold",
    }
)


# --- reading --------------------------------------------------------------------------------


def get_app(session: Session, app_id: int) -> App:
    """The app, or 404: how every caller loads one."""
    app = repo.get(session, app_id)
    if app is None:
        raise NotFound(f"App {app_id} does not exist.")
    return app


def require_app(session: Session, app_id: int) -> None:
    """404 for an unknown app, without loading its (possibly large) JSON columns."""
    if not repo.exists(session, app_id):
        raise NotFound(f"App {app_id} does not exist.")


def to_read(app: App) -> AppRead:
    assert app.id is not None
    ent = app.entitlements or {}
    certificate = None
    if app.certificate_enc and app.certificate_thumbprint:
        certificate = CertificateRead(
            thumbprint=app.certificate_thumbprint, expires_at=app.certificate_expires_at
        )
    return AppRead(
        id=app.id,
        name=app.name,
        tenant=app.tenant,
        domain=app.domain,
        cloud=app.cloud,
        client_id=app.client_id,
        has_client_secret=bool(app.client_secret_enc),
        certificate=certificate,
        consent=ConsentRead(
            authenticated=app.consented_tenant_id is not None,
            tenant_id=app.consented_tenant_id,
            consented_at=app.consented_at,
        ),
        provisioning_enabled=app.provisioning_enabled,
        approval_required=ApprovalPolicy(**(app.approval_required or {})),
        on_user_deleted=app.on_user_deleted,
        on_user_suspended=app.on_user_suspended,
        on_app_removed=app.on_app_removed,
        deletion_threshold=app.deletion_threshold,
        immutable_id_attribute=app.immutable_id_attribute,
        parameters=[ParameterIn(**p) for p in app.parameters or []],
        sync_interval_s=app.sync_interval_s,
        full_sync_interval_s=app.full_sync_interval_s,
        drift_policy=DriftPolicy(**(app.drift_policy or {})),
        match_order=app.match_order or list(DEFAULT_MATCH_ORDER),
        domain_check=DomainCheckRead(
            domain=app.domain,
            # Not stored on its own: the tenant reports a type (Managed/Federated) or a
            # verification only for a domain it has; nothing checked yet says nothing.
            exists=None
            if app.domain_checked_at is None
            else bool(app.domain_verified or app.domain_type),
            verified=app.domain_verified,
            type=app.domain_type,
            checked_at=app.domain_checked_at,
        ),
        entitlements=EntitlementsRead(
            licenses=[
                LicenseRead(
                    **{**e, "product_name": product_name(e["sku_id"], e["sku_part_number"])}
                )
                for e in ent.get("licenses") or []
            ],
            groups=[TenantGroupRead(**g) for g in ent.get("groups") or []],
            refreshed_at=app.entitlements_refreshed_at,
        ),
        created_at=app.created_at,
        updated_at=app.updated_at,
    )


def parameters_of(app: App) -> tuple[Parameter, ...]:
    return tuple(
        Parameter(p["name"], p["source"], p["value"], bool(p.get("include", True)))
        for p in app.parameters or []
    )


# --- validation -----------------------------------------------------------------------------


def _check_parameters(items: Sequence[ParameterIn]) -> list[dict[str, Any]]:
    params = [Parameter(p.name, p.source, p.value, p.include) for p in items]
    try:
        validate_parameters(params)
    except EvaluationError as exc:
        raise InvalidInput(
            f"{exc.field}: {exc.message}", errors=[FieldError(field=exc.field, message=exc.message)]
        ) from None
    # A constant or template that breaks a Graph rule for every user is refused now, not at
    # the first provisioning run (design invariant 7).
    errors = [
        FieldError(field=f"parameters[{index}].value", message=str(v), code=v.rule)
        for index, param in enumerate(params)
        for v in parameter_violations(param)
    ]
    if errors:
        raise InvalidInput(" ".join(e.message for e in errors), errors=errors)
    return [p.model_dump() for p in items]


def _default_parameters(immutable_id_attribute: str) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "source": p.source, "value": p.value, "include": p.include}
        for p in default_parameters(immutable_id_attribute)
    ]


def _check_name(session: Session, name: str, exclude: int | None) -> None:
    if repo.name_taken(session, name, exclude):
        raise Conflict(f"An app named {name!r} already exists.")


def _set_secret(app: App, secret: str) -> None:
    app.client_secret_enc = crypto.encrypt(secret)
    app.certificate_enc = app.certificate_thumbprint = app.certificate_expires_at = None


def _set_certificate(app: App, data: CertificateIn) -> None:
    parsed = parse_certificate(
        data.private_key_pem.get_secret_value(),
        data.certificate_pem,
        data.passphrase.get_secret_value() if data.passphrase else None,
    )
    app.certificate_enc = encrypt_certificate(parsed)
    app.certificate_thumbprint = parsed.thumbprint
    app.certificate_expires_at = parsed.expires_at
    app.client_secret_enc = None


def _check_enabling(app: App) -> None:
    if app.provisioning_enabled and not (app.client_secret_enc or app.certificate_enc):
        raise field_error(
            "provisioning_enabled",
            "Provisioning needs a client secret or a certificate: send one of them.",
            "credentials_required",
        )


def _one_credential(data: AppCreate | AppUpdate) -> None:
    if data.client_secret is not None and data.certificate is not None:
        raise field_error(
            "client_secret", "Send a client secret or a certificate, not both.", "ambiguous"
        )


def _forget_tenant_state(session: Session, app: App, why: str) -> None:
    if app.consented_tenant_id is not None:
        webhooks.consent_lost(session, app, why)
    app.consented_tenant_id = None
    app.consented_at = None
    app.token_cache_enc = None


# --- writing --------------------------------------------------------------------------------


def create_app(session: Session, data: AppCreate) -> App:
    _one_credential(data)
    _check_name(session, data.name, None)
    parameters = (
        _check_parameters(data.parameters)
        if data.parameters is not None
        else _default_parameters(data.immutable_id_attribute)
    )
    app = App(
        name=data.name,
        tenant=data.tenant,
        domain=data.domain,
        cloud=data.cloud,
        client_id=data.client_id,
        provisioning_enabled=data.provisioning_enabled,
        approval_required=data.approval_required.model_dump(),
        on_user_deleted=data.on_user_deleted,
        on_user_suspended=data.on_user_suspended,
        on_app_removed=data.on_app_removed,
        deletion_threshold=data.deletion_threshold,
        immutable_id_attribute=data.immutable_id_attribute,
        parameters=parameters,
        entitlements={"licenses": [], "groups": []},
        sync_interval_s=data.sync_interval_s,
        full_sync_interval_s=data.full_sync_interval_s,
        drift_policy=data.drift_policy.model_dump(),
        match_order=[str(k) for k in data.match_order],
    )
    if data.client_secret is not None:
        _set_secret(app, data.client_secret.get_secret_value())
    if data.certificate is not None:
        _set_certificate(app, data.certificate)
    _check_enabling(app)
    session.add(app)
    session.flush()
    audit.record(session, "app.created", app)
    return app


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _json(value: Any) -> Any:
    """A value as JSON stores it (enums as their strings), for comparing old with new."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return _plain(value)


def _current(app: App, key: str) -> Any:
    # A drift policy never set reads as the defaults, so sending them back changes nothing.
    if key == "drift_policy":
        return DriftPolicy(**(app.drift_policy or {})).model_dump()
    if key == "approval_required":
        return ApprovalPolicy(**(app.approval_required or {})).model_dump()
    if key == "match_order":
        return [str(k) for k in app.match_order or DEFAULT_MATCH_ORDER]
    return getattr(app, key)


def privileged_fields(app: App, data: AppUpdate) -> list[str]:
    """The policy and credential fields this update changes (they need `admin`): a field
    sent with the value it already has changes nothing and needs no privilege. Their values
    before and after go to the audit trail (`_audit_update`)."""
    sent = data.model_fields_set
    dumped = data.model_dump(
        include={*POLICY_FIELDS, "client_id", "tenant", "cloud"}, exclude_unset=True
    )
    changed = []
    for key in POLICY_FIELDS:
        if key not in sent:
            continue
        current = _current(app, key)
        new = dumped[key]
        if isinstance(new, dict) and isinstance(current, dict):
            new = {**current, **new}  # merge patch, as `update_app` applies it
        if _json(new) != _json(current):
            changed.append(key)
    for key in ("client_id", "tenant", "cloud"):
        if key in sent and dumped[key] is not None and _plain(dumped[key]) != getattr(app, key):
            changed.append(key)
    if data.client_secret is not None:
        changed.append("client_secret")
    if data.certificate is not None:
        changed.append("certificate")
    return changed


def _audit_update(session: Session, app: App, before: dict[str, Any]) -> None:
    """An update in the audit trail: policy and credential changes each as their own entry
    (always recorded, easy to find), then the rest."""
    audit.record(session, "app.policy_changed", app, before, fields=POLICY_FIELDS)
    _policy_event(session, app, before)
    audit.record(session, "app.credentials_changed", app, before, fields=_CREDENTIAL_RECORD)
    rest = set(before) - set(POLICY_FIELDS) - set(_CREDENTIAL_RECORD)
    audit.record(session, "app.updated", app, before, fields=rest)


def _policy_event(session: Session, app: App, before: dict[str, Any]) -> None:
    """A policy change is also an event (`provisioner events --kind app.policy_changed`), as
    consent is: the admins' feed beside the engine's notes, with who changed which policy
    from what to what. Policy values hold no secret."""
    after = audit.snapshot(app)
    changed = [k for k in POLICY_FIELDS if before.get(k) != after.get(k)]
    if not changed:
        return
    repo.add_event(
        session,
        "app.policy_changed",
        app.id,
        {
            "fields": changed,
            "before": {k: before.get(k) for k in changed},
            "after": {k: after[k] for k in changed},
            "by": audit.actor_of(session).name,
        },
    )


def update_app(
    session: Session,
    app_id: int,
    data: AppUpdate,
    *,
    privileged: bool = True,
) -> App:
    """Apply a partial update. Policy and credential changes (`POLICY_FIELDS`,
    `CREDENTIAL_FIELDS`) need `privileged` (the `admin` scope) and are recorded in the audit
    trail as `app.policy_changed` / `app.credentials_changed` under the session's actor."""
    app = repo.get_for_update(session, app_id)
    if app is None:
        raise NotFound(f"App {app_id} does not exist.")
    before = audit.snapshot(app)
    _one_credential(data)
    privileged_changed = privileged_fields(app, data)
    if not privileged and privileged_changed:
        names = ", ".join(f"`{k}`" for k in privileged_changed)
        raise Forbidden(
            f"Changing {names} needs the `admin` scope (who approves what, deprovisioning "
            "policy and credentials are admin-only); the other fields only need `write`."
        )
    changes = data.model_dump(
        exclude_unset=True, exclude={"client_secret", "certificate", "parameters"}
    )
    # A PATCH of a policy object changes the keys it sends and keeps the others (JSON merge
    # patch, RFC 7396): `{"drift_policy": {"groups": "report"}}` must not reset the rest.
    for key in ("approval_required", "drift_policy"):
        if isinstance(changes.get(key), dict):
            changes[key] = {**_current(app, key), **changes[key]}
    reject_nulls(
        changes,
        (
            "name",
            "tenant",
            "domain",
            "cloud",
            "client_id",
            "provisioning_enabled",
            "approval_required",
            "immutable_id_attribute",
            "sync_interval_s",
            "full_sync_interval_s",
            "drift_policy",
            "match_order",
        ),
    )
    if changes.get("name") is not None:
        _check_name(session, changes["name"], app_id)
    if "parameters" in data.model_fields_set:
        if data.parameters is None:
            raise field_error("parameters", "parameters cannot be null.", "null")
        app.parameters = _check_parameters(data.parameters)
    new_attr = changes.get("immutable_id_attribute")
    if (
        new_attr
        and new_attr != app.immutable_id_attribute
        and "parameters" not in data.model_fields_set
    ):
        app.parameters = _repoint_immutable_id(app, new_attr)
    identity_changed = any(
        key in changes and changes[key] != getattr(app, key) for key in _IDENTITY_FIELDS
    )
    domain_changed = "domain" in changes and changes["domain"] != app.domain
    for key, value in changes.items():
        setattr(app, key, value)
    credentials_changed = data.client_secret is not None or data.certificate is not None
    if data.client_secret is not None:
        _set_secret(app, data.client_secret.get_secret_value())
    if data.certificate is not None:
        _set_certificate(app, data.certificate)
    if identity_changed:
        _forget_tenant_state(session, app, "the app's tenant, cloud or client id changed")
    elif credentials_changed:
        app.token_cache_enc = None  # tokens of the old credential
    if identity_changed or domain_changed:
        app.domain_verified = app.domain_type = app.domain_checked_at = None
    if identity_changed:
        app.federated_domains = None  # another tenant's domains
    if identity_changed:
        app.entitlements = {"licenses": [], "groups": []}
        app.entitlements_refreshed_at = None
    _check_enabling(app)
    app.updated_at = utcnow()
    session.add(app)
    session.flush()
    _audit_update(session, app, before)
    # What each assigned user should look like in the tenant may differ now.
    if set(data.model_fields_set) & _DESIRED_STATE_FIELDS:
        start_job(session, JobKind.assignments_recompute, {"app_id": app_id}, created_by="app")
    return app


def _repoint_immutable_id(app: App, new_attr: str) -> list[dict[str, Any]]:
    # The ImmutableID parameter reads the attribute that stores it; moving the attribute
    # moves the parameter too, unless the admin pointed the parameter somewhere else.
    out = []
    for p in app.parameters or []:
        if (p["name"], p["source"], p["value"]) == (
            "onPremisesImmutableId",
            "field",
            app.immutable_id_attribute,
        ):
            p = {**p, "value": new_attr}
        out.append(p)
    return out


def delete_app(session: Session, app_id: int) -> None:
    app = get_app(session, app_id)
    role_ids = repo.roles_granting(session, app_id)
    audit.record(session, "app.deleted", app)
    session.delete(app)
    session.flush()
    # The role_app rows went with the app (ON DELETE CASCADE); the roles' holders follow.
    for role_id in role_ids:
        recompute.role_apps_changed(session, role_id)


# --- consent ("Authenticate") ---------------------------------------------------------------


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def redirect_uri(settings: Settings) -> str:
    return settings.effective_public_url + CALLBACK_PATH


def start_consent(session: Session, app_id: int, settings: Settings) -> AuthorizeRead:
    """A Microsoft admin-consent URL with a fresh single-use state bound to this app."""
    app = get_app(session, app_id)
    endpoints = cloud_endpoints(settings, app.cloud)
    state = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=settings.oauth_state_ttl_s)
    session.add(OAuthState(state_hash=_state_hash(state), app_id=app_id, expires_at=expires_at))
    session.flush()
    query = urlencode(
        {
            "client_id": app.client_id,
            # Application permissions are granted through `/.default` only (contract §9).
            "scope": f"{endpoints.graph_base}/.default",
            "redirect_uri": redirect_uri(settings),
            "state": state,
        }
    )
    # The configured tenant, not `common` (which admin consent rejects): the admin signs in
    # to the tenant this app is for.
    url = f"{endpoints.login_base}/{app.tenant}/v2.0/adminconsent?{query}"
    # A callback that cannot reach this server fails in the admin's browser: say so here.
    check = callback_check.current(settings, CALLBACK_PATH)
    if check.problem:
        log.warning(
            "consent.callback_unreachable",
            extra={"app_id": app_id, "callback": check.callback, "problem": check.problem},
        )
    return AuthorizeRead(
        url=url,
        redirect_uri=redirect_uri(settings),
        expires_at=expires_at,
        redirect_uri_reaches_server=check.reachable,
        redirect_uri_problem=check.problem,
    )


def claim_state(session: Session, state: str | None) -> tuple[int, bool]:
    """Use up a consent state: (app id, whether it had expired). Raises for unknown/used ones.

    The caller commits this on its own, before judging the rest of the callback, so a state
    is spent even when the consent itself failed.
    """
    if not state:
        raise ConsentFailed("The callback carries no `state`: start again from `apps-authorize`.")
    row = repo.state_by_hash(session, _state_hash(state))
    if row is None:
        raise ConsentFailed("Unknown consent state: start again from `apps-authorize`.")
    if not repo.use_state(session, row.id):
        raise ConsentFailed(
            "This consent link was already used: start again from `apps-authorize`."
        )
    return row.app_id, row.expires_at <= utcnow()


def consent_answer(params: dict[str, str]) -> str:
    """The tenant id Microsoft's redirect names, or ConsentFailed (400) for an error answer.

    The query string alone proves nothing (anyone can type it): the caller confirms the
    tenant with a token from Microsoft (`runtime.prove_consent`) before `finish_consent`.
    """
    if params.get("error"):
        description = (params.get("error_description") or "").strip()
        raise ConsentFailed(f"Microsoft answered {params['error']}: {description}".rstrip(": "))
    tenant = (params.get("tenant") or "").strip().lower()
    if params.get("admin_consent", "").lower() != "true" or not is_guid(tenant):
        raise ConsentFailed("Microsoft did not confirm admin consent for a tenant.")
    return tenant


def identity_of(app: App) -> tuple[str, str, str]:
    """What a consent proof was made for: a change of any of these voids it."""
    return (app.cloud, app.tenant, app.client_id)


def finish_consent(
    session: Session,
    app_id: int,
    tenant: str,
    proved_for: tuple[str, str, str],
    token_cache: str | None,
) -> App:
    """Record the tenant whose consent Microsoft confirmed with a token (see `consent_answer`);
    the token it issued becomes the app's cache, so the first Graph call needs no new one."""
    app = get_app(session, app_id)
    if identity_of(app) != proved_for:
        raise ConsentFailed(
            "The app's tenant, cloud or client id changed while consent was being confirmed: "
            "start again from `apps-authorize`."
        )
    before = audit.snapshot(app)
    app.consented_tenant_id = tenant
    app.consented_at = utcnow()
    app.token_cache_enc = crypto.encrypt(token_cache) if token_cache else None
    app.updated_at = utcnow()
    session.add(app)
    session.flush()
    repo.add_event(session, "app.consent_recorded", app_id, {"tenant_id": tenant})
    audit.record(session, "app.consent_recorded", app, before)
    return app


def record_consent_failure(
    session: Session, app_id: int | None, reason: str, params: dict[str, str]
) -> None:
    """An event row for a consent callback that did not authenticate the app."""
    data: dict[str, Any] = {"reason": reason}
    for key in ("tenant", "admin_consent", "error"):
        if params.get(key):
            data[key] = params[key][:200]
    repo.add_event(session, "app.consent_failed", app_id, data)


def clear_token(session: Session, app_id: int) -> None:
    app = get_app(session, app_id)
    before = audit.snapshot(app)
    _forget_tenant_state(session, app, "an admin cleared the app's token and consent")
    app.updated_at = utcnow()
    session.add(app)
    session.flush()
    audit.record(session, "app.consent_cleared", app, before)


# --- what the tenant told us ----------------------------------------------------------------


def record_domain(
    session: Session, app_id: int, status: DomainStatus, federated: set[str] | None = None
) -> App:
    app = get_app(session, app_id)
    app.domain_verified = status.verified
    app.domain_type = status.type
    app.domain_checked_at = utcnow()
    if federated is not None:
        app.federated_domains = sorted(federated)
    session.add(app)
    session.flush()
    return app


def store_entitlements(
    session: Session,
    app_id: int,
    licenses: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    default_usage_location: str | None = None,
    federated_domains: set[str] | None = None,
) -> None:
    """Keep what the tenant offers, and its defaultUsageLocation (the usageLocation of users
    who have none, see `compute_attributes`): when that changes, so may every desired state."""
    app = get_app(session, app_id)
    previous = (app.entitlements or {}).get("default_usage_location")
    app.entitlements = {
        "licenses": licenses,
        "groups": groups,
        "default_usage_location": default_usage_location,
    }
    if federated_domains is not None:
        app.federated_domains = sorted(federated_domains)
    app.entitlements_refreshed_at = utcnow()
    session.add(app)
    session.flush()
    recompute.entitlements_refreshed(session, app_id)
    if previous != default_usage_location:
        start_job(session, JobKind.assignments_recompute, {"app_id": app_id}, created_by="app")


def list_apps(session: Session) -> list[App]:
    """Every app, oldest first (the CLI's `apps list`; the API pages through `list_query`)."""
    return repo.list_all(session)


def sandbox_demo(settings: Settings) -> SandboxDemoRead:
    """`GET /apps/sandbox-demo`: the sandbox actually in use, read from it, or why none is."""
    found = sandbox_in_use(settings)
    if isinstance(found, str):
        return SandboxDemoRead(
            available=False,
            reason=found,
            sandbox_url=settings.sandbox_url,
            tenant=None,
            tenant_domain=None,
            domain=None,
            federated_domain=None,
            unverified_domain=None,
            client_id=None,
            client_secret=None,
            example=None,
        )
    client_id = seed.DEMO_CLIENT_ID if found.demo_app_known else None
    example = None
    if client_id is not None and found.domain is not None:
        example = {
            "name": "Contoso (sandbox)",
            "cloud": "sandbox",
            "tenant": found.tenant,
            "domain": found.domain,
            "client_id": client_id,
            "client_secret": seed.DEMO_CLIENT_SECRET,
        }
    return SandboxDemoRead(
        available=True,
        reason=None if client_id else "the sandbox has no demo app registration",
        sandbox_url=found.url,
        tenant=found.tenant,
        tenant_domain=found.tenant_domain,
        domain=found.domain,
        federated_domain=found.federated_domain,
        unverified_domain=found.unverified_domain,
        client_id=client_id,
        client_secret=seed.DEMO_CLIENT_SECRET if client_id else None,
        example=example,
    )
