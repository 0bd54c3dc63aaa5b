"""The authorization endpoint's decisions (RFC 6749 §4.1, OIDC Core §3.1.2).

Authlib validates the request (client, exact redirect URI, response_type,
scope, S256 PKCE, nonce replay); this module decides what happens next:
log in (new or again), ask for consent, answer prompt=none without UI, or
issue the code. Pages carry only the stored interaction id (interaction.py).
"""

from __future__ import annotations

from flask import redirect, session, url_for

from .. import clock, i18n
from ..keystore import jwks
from ..sessions import store as sso
from . import consent, interaction, render
from . import entitlement_gate as gating
from .errors import (
    AccessDeniedError,
    AccessRefused,
    ConsentRequiredError,
    InteractionRequiredError,
    InvalidRequestError,
    LoginRequiredError,
    OAuth2Error,
    RegistrationNotSupportedError,
    RequestCannotContinue,
    RequestNotSupportedError,
    RequestURINotSupportedError,
    UnsupportedResponseTypeError,
)
from .grants.base import load_user
from .server import authorization

PROMPTS = {"none", "login", "consent", "select_account"}
# The request parameters an interaction keeps (anything else is ignored, OIDC Core §3.1.2.1).
KEPT = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
        "code_challenge", "code_challenge_method", "prompt", "max_age", "login_hint",
        "id_token_hint", "response_mode", "acr_values", "ui_locales", "resource", "org")
MAX_PARAM = 4096


def response_mode_of(oauth_request) -> str:
    mode = oauth_request.payload.data.get("response_mode")
    return mode if mode in render.RESPONSE_MODES else "query"


def handle(oauth_request, interaction_id: str | None = None):
    """Answer one authorization request (fresh or resumed)."""
    mode = response_mode_of(oauth_request)
    try:
        grant = authorization.get_consent_grant(request=oauth_request, end_user=None)
    except UnsupportedResponseTypeError as error:
        # Authlib 1.9 swaps this error's arguments; say it plainly (RFC 6749 §4.1.2.1).
        error.response_type = str(oauth_request.payload.response_type or "")[:40]
        error.get_error_description = lambda: "Only response_type=code is supported."
        return render.authorize_error(error, mode)
    except OAuth2Error as error:
        return render.authorize_error(error, mode)
    except ValueError:  # Authlib refuses to echo unprintable input in a description
        raise RequestCannotContinue(i18n.N_("The authorization request is malformed.")) from None
    try:
        return _decide(grant, interaction_id, mode)
    except OAuth2Error as error:
        error.redirect_uri, error.state = grant.redirect_uri, oauth_request.payload.state
        return render.authorize_error(error, mode)


def _decide(grant, interaction_id, mode):
    req = grant.request
    data = req.payload.data
    if data.get("response_mode") not in (None, *render.RESPONSE_MODES):
        raise InvalidRequestError("Unsupported response_mode.")
    _refuse_unsupported(data)
    # Raises ForeignInteraction when another browser started it (interaction.py).
    stored = interaction.load(interaction_id) if interaction_id else None
    prompts = _prompts(data.get("prompt"))
    max_age = _max_age(data.get("max_age"))
    live, user = _signed_in()
    _answer_decisions(stored, interaction_id, user)
    fresh = live is not None and stored is not None and live.auth_time >= stored["created_at"]
    if live is None or (not fresh and (
            "login" in prompts or not _hint_matches(data.get("id_token_hint"), user)
            or (max_age is not None and live.age() > max_age))):
        if "none" in prompts:
            raise LoginRequiredError("The person is not signed in.")  # OIDC Core §3.1.2.6
        return _hand_off("auth.login", req, interaction_id, login_hint=data.get("login_hint"))
    # Consent given in this interaction counts only for the person who gave it.
    consented = interaction.decision(stored, "consent", user.id)
    if not consented and ("consent" in prompts or consent.required(grant.client, user.id,
                                                                       req.scope)):
        if "none" in prompts:
            raise ConsentRequiredError("The person has not consented to this client.")
        return _hand_off("consent.consent_page", req, interaction_id)
    return _gate(grant, user, live, stored, interaction_id, prompts, mode)


def _answer_decisions(stored, interaction_id, user) -> None:
    """A denial, or the gate's refusal ("Return to <client>"), made by this person: answer it."""
    if user is None:
        return
    if interaction.decision(stored, "denied", user.id):
        interaction.discard(interaction_id)
        raise AccessDeniedError("The person denied the request.")
    refused = interaction.decision(stored, "refused", user.id)
    if refused:
        interaction.discard(interaction_id)
        raise AccessDeniedError(refused)


def _gate(grant, user, live, stored, interaction_id, prompts, mode):
    """DESIGN "Entitlement gate": on every request, after authentication, before a code."""
    req = grant.request
    org = gating.organization_for(user.id, req.payload.data.get("org"), stored)
    if org == gating.PICK:
        if "none" in prompts:  # OIDC Core §3.1.2.6: the picker is UI
            raise InteractionRequiredError("Choose an organisation: send the org parameter.")
        return _hand_off("picker.select_organization", req, interaction_id)
    decision = gating.check(user.id, grant.client, org)
    if not decision.allowed:
        if "none" in prompts:
            raise AccessDeniedError(decision.description)
        return _refuse(req, user, decision, interaction_id)
    resources = _resources(req)  # RFC 8707 §2: validated here, carried with the code
    req.organization_id = org
    req.resources = gating.audiences(grant.client, decision.entitlement, resources) \
        if resources else None
    return _issue(grant, user, live, interaction_id, mode)


def _resources(req) -> list[str]:
    """RFC 8707 §2: ``resource`` may be repeated (kept as a list across the interaction)."""
    values = []
    for value in req.payload.datalist.get("resource") or ():
        values.extend(value if isinstance(value, list) else [value])
    return [v for v in values if isinstance(v, str) and v]


def _refuse(req, user, decision, interaction_id):
    """The person sees why (a page: AccessRefused); "Return to <client>" resumes into
    access_denied (with state, iss)."""
    interaction_id = _store(req, interaction_id)
    interaction.decide(interaction_id, interaction.load(interaction_id), "refused", user.id,
                       decision.description)
    raise AccessRefused(decision, req.client.name,
                        url_for("oidc.resume", interaction=interaction_id))


def _issue(grant, user, live, interaction_id, mode):
    grant.request.user, grant.request.sso = user, live
    params = grant.create_authorization_response(grant.redirect_uri, user)
    sso.add_client(live, grant.client.client_id)
    if interaction_id:
        interaction.discard(interaction_id)
    return render.authorization_response(grant.redirect_uri, params, mode)


def _refuse_unsupported(data) -> None:
    """OIDC Core §6.1, §6.2, §7.2.1: say so when a feature we do not offer is asked for."""
    if data.get("request"):
        raise RequestNotSupportedError("Request objects are not supported.")
    if data.get("request_uri"):
        raise RequestURINotSupportedError("request_uri is not supported.")
    if data.get("registration"):
        raise RegistrationNotSupportedError("The registration parameter is not supported.")


def _signed_in():
    live = sso.get(session.get("sid"))
    user = load_user(live.user_id) if live else None
    return (live, user) if user is not None else (None, None)


def _prompts(value) -> set[str]:
    prompts = set((value or "").split())
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("prompt=none cannot be combined with other values.")
    return prompts & PROMPTS


def _max_age(value) -> int | None:
    if value in (None, ""):
        return None
    if not str(value).isdigit() or len(str(value)) > 10:
        raise InvalidRequestError("max_age must be a non-negative integer.")
    return int(value)


def _hint_matches(hint, user) -> bool:
    """OIDC Core §3.1.2.1: an id_token_hint must be ours (expired is fine) and name this person."""
    if not hint:
        return True
    try:
        claims = jwks.verify(hint).claims
    except jwks.InvalidJWT:
        return False
    return claims.get("sub") == user.subject and claims.get("iss") == render.issuer()


def _hand_off(endpoint, req, interaction_id, **extra):
    """Store (or keep) the interaction and send the browser to a page for people."""
    interaction_id = _store(req, interaction_id)
    args = {k: v[:320] for k, v in extra.items() if isinstance(v, str) and v}
    return redirect(url_for(endpoint, interaction=interaction_id, **args))


def _store(req, interaction_id):
    """Save the request as an interaction (or refresh the stored scope); return its id."""
    if interaction_id is None:
        params = {k: req.payload.data.get(k) for k in KEPT if req.payload.data.get(k)}
        resources = _resources(req)
        if resources:
            params["resource"] = resources
        if any(len("".join(v)) > MAX_PARAM for v in params.values()):
            raise InvalidRequestError(f"Parameters are limited to {MAX_PARAM} characters.")
        interaction_id = interaction.save({
            "params": params,
            "created_at": clock.timestamp(), "client_id": req.client.client_id,
            "client_name": req.client.name, "scope": req.scope or "",
            # ui_locales (OIDC Core §3.1.2.1) holds for every page of this interaction.
            "locale": i18n.negotiate(params.get("ui_locales"))})
    else:
        stored = interaction.load(interaction_id)
        interaction.update(interaction_id, dict(stored, scope=req.scope or ""))
    return interaction_id
