"""The Microsoft identity platform endpoints MSAL's ConfidentialClientApplication talks to.

OIDC discovery, the v2.0 token endpoint (client credentials with a secret or a certificate
assertion) and the admin-consent redirect. Errors carry Azure AD's AADSTS numbers and
OAuth2 error codes so client code can be tested against the real failure modes.
"""

from __future__ import annotations

import base64
import hmac
from typing import Any
from urllib.parse import unquote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from app.sandbox.client_assertion import AssertionRejected, verify_client_assertion
from app.sandbox.errors import aad_error_body
from app.sandbox.state import AppRegistration, SandboxState, Tenant

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Tenant aliases that are not a tenant: they name a population of tenants.
MULTI_TENANT_ALIASES = {"organizations", "common", "consumers"}

# Microsoft Graph's application ID URI and app id in the global cloud: the only resources a
# client-credentials scope may name here.
GRAPH_RESOURCES = frozenset({"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"})


def _error(status: int, error: str, aadsts: int, description: str, **kw: Any) -> JSONResponse:
    return JSONResponse(aad_error_body(error, aadsts, description, **kw), status_code=status)


def _tenant_not_found(name: str) -> str:
    return (
        f"Tenant '{name}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant."
    )


def openid_configuration(base: str, path_tenant: str, tenant_id: str) -> dict[str, Any]:
    """Discovery document: endpoints keep the path's alias, the issuer names the tenant."""
    root = f"{base}/{path_tenant}"
    return {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{tenant_id}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def build_login_router(state: SandboxState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def base_of(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    @router.get("/{tenant}/v2.0/.well-known/openid-configuration")
    async def discovery(request: Request, tenant: str) -> Response:
        if tenant.lower() in MULTI_TENANT_ALIASES:
            # Azure AD publishes a templated issuer for the multi-tenant aliases.
            return JSONResponse(openid_configuration(base_of(request), tenant, "{tenantid}"))
        found = state.resolve_tenant(tenant)
        if found is None:
            return _error(400, "invalid_tenant", 90002, _tenant_not_found(tenant))
        return JSONResponse(openid_configuration(base_of(request), found.id, found.id))

    @router.post("/{tenant}/oauth2/v2.0/token")
    async def token(request: Request, tenant: str) -> Response:
        with state.lock:
            state.counters.token_requests += 1
        form = {k: str(v) for k, v in (await request.form()).items()}
        correlation = request.headers.get("client-request-id")
        return issue_token(state, base_of(request), tenant, form, request, correlation)

    @router.get("/{tenant}/v2.0/adminconsent")
    async def admin_consent(request: Request, tenant: str) -> Response:
        return consent(state, tenant, dict(request.query_params))

    @router.get("/{tenant}/adminconsent")
    async def admin_consent_v1(request: Request, tenant: str) -> Response:
        return consent(state, tenant, dict(request.query_params))

    return router


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    return unquote(user), unquote(password)


def issue_token(
    state: SandboxState,
    base: str,
    path_tenant: str,
    form: dict[str, str],
    request: Request,
    correlation: str | None,
) -> Response:
    kw = {"correlation_id": correlation}
    basic = _basic_credentials(request)
    if basic is not None:
        form.setdefault("client_id", basic[0])
        form.setdefault("client_secret", basic[1])
    if path_tenant.lower() in MULTI_TENANT_ALIASES:
        return _error(
            400,
            "invalid_request",
            900023,
            f"Specified tenant identifier '{path_tenant}' is neither a valid DNS name, nor a "
            "valid external domain.",
            **kw,
        )
    tenant = state.resolve_tenant(path_tenant)
    if tenant is None:
        return _error(400, "invalid_request", 90002, _tenant_not_found(path_tenant), **kw)
    grant_type = form.get("grant_type")
    if not grant_type:
        return _error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
            **kw,
        )
    if grant_type != "client_credentials":
        return _error(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{grant_type}'.",
            **kw,
        )
    client_id = form.get("client_id", "").lower()
    if not client_id:
        return _error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'client_id'.",
            **kw,
        )
    scope = form.get("scope", "")
    if not scope:
        return _error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
            **kw,
        )
    if not all(s.endswith("/.default") for s in scope.split()):
        return _error(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
            **kw,
        )
    resource = scope.split()[0].removesuffix("/.default").rstrip("/")
    if resource.lower() not in GRAPH_RESOURCES:
        # This emulator stands for the global cloud's Graph, whatever address it answers on:
        # a scope naming that address (or any other resource) names no service principal.
        return _error(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{tenant.display_name}. This can happen if the application has not been installed "
            "by the administrator of the tenant or consented to by any user in the tenant. You "
            "might have sent your authentication request to the wrong tenant.",
            **kw,
        )
    with state.lock:
        app = state.apps.get(client_id)
    if app is None:
        return _error(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant.display_name}'. This can happen if the application has not been installed "
            "by the administrator of the tenant or consented to by any user in the tenant. You "
            "may have sent your authentication request to the wrong tenant.",
            **kw,
        )
    failure = _check_credentials(app, form, base, path_tenant, tenant, correlation)
    if failure is not None:
        return failure
    if tenant.id not in app.consented_tenants:
        return _error(
            400,
            "invalid_grant",
            65001,
            f"The user or administrator has not consented to use the application with ID "
            f"'{app.client_id}' named '{app.display_name}'. Send an interactive authorization "
            "request for this user and resource.",
            **kw,
        )
    token, lifetime = state.issue_token(tenant.id, app)
    return JSONResponse(
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        },
        headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"},
    )


def _check_credentials(
    app: AppRegistration,
    form: dict[str, str],
    base: str,
    path_tenant: str,
    tenant: Tenant,
    correlation: str | None,
) -> Response | None:
    kw = {"correlation_id": correlation}
    assertion = form.get("client_assertion")
    if assertion:
        if form.get("client_assertion_type") != JWT_BEARER:
            return _error(
                400,
                "invalid_request",
                50027,
                "The client_assertion_type is missing or is not supported.",
                **kw,
            )
        # MSAL puts the discovered token endpoint in `aud`; accept the alias or the GUID form.
        audiences = {
            f"{base}/{path_tenant}/oauth2/v2.0/token",
            f"{base}/{tenant.id}/oauth2/v2.0/token",
        }
        try:
            verify_client_assertion(assertion, app.client_id, app.certificates, audiences)
        except AssertionRejected as rejected:
            return _error(401, "invalid_client", rejected.aadsts, rejected.description, **kw)
        return None
    secret = form.get("client_secret")
    if not secret:
        return _error(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
            **kw,
        )
    if not any(hmac.compare_digest(secret, known) for known in app.secrets):
        return _error(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the "
            f"client secret value, not the client secret ID, for a secret added to app "
            f"'{app.client_id}'.",
            **kw,
        )
    return None


def _redirect(redirect_uri: str, params: dict[str, str]) -> RedirectResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


def consent(state: SandboxState, path_tenant: str, query: dict[str, str]) -> Response:
    """Admin consent: the admin always says yes; the app is consented in the chosen tenant."""
    redirect_uri = query.get("redirect_uri")
    if not redirect_uri:
        return _error(
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'redirect_uri'.",
        )
    state_param = query.get("state")
    extra = {"state": state_param} if state_param is not None else {}
    client_id = (query.get("client_id") or "").lower()
    if path_tenant.lower() == "common":
        return _redirect(
            redirect_uri,
            {
                "error": "invalid_request",
                "error_description": "AADSTS50194: The admin consent endpoint does not support "
                "'/common'. Use '/organizations' or a tenant-specific endpoint.",
                **extra,
            },
        )
    with state.lock:
        app = state.apps.get(client_id)
        if path_tenant.lower() == "organizations":
            hint = query.get("tenant_hint") or query.get("domain_hint")
            tenant = state.resolve_tenant(hint) if hint else None
            if tenant is None and state.default_tenant_id:
                tenant = state.tenants.get(state.default_tenant_id)
        else:
            tenant = state.resolve_tenant(path_tenant)
        if tenant is None:
            return _error(400, "invalid_tenant", 90002, _tenant_not_found(path_tenant))
        if app is None:
            return _redirect(
                redirect_uri,
                {
                    "error": "invalid_client",
                    "error_description": f"AADSTS700016: Application with identifier "
                    f"'{client_id}' was not found in the directory '{tenant.display_name}'.",
                    **extra,
                },
            )
        app.consented_tenants.add(tenant.id)
    params = {
        "admin_consent": "True",
        "tenant": tenant.id,
        "scope": query.get("scope") or "https://graph.microsoft.com/.default",
        **extra,
    }
    return _redirect(redirect_uri, params)
