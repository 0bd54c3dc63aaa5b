"""Pages for people, and the HTTP front they are served from.

Every page a person sees: login (``auth``), the second factor (``totp``), consent
(``consent``), the organisation picker (``picker``), RP-initiated logout and its
confirmation (``logout``), the plans (``plans``) and the organisation account
(``account``, with ``forms`` and ``i18n``), and every error page (``errors``: the one
renderer; the refusal page of the entitlement gate too). The protocol code hands off
to these pages with a stored interaction id, and they hand back to it (``oidc.resume``
or ``authorize.handle``). Views parse, call a service, render.

The live account updates (``live``, ``live_hub``) and the ASGI front that streams them
without a request thread (``asgi``, ``asgi_worker``) are here too: they are how the
account page is served, and billing only publishes what changed.
"""
