"""The authorization server: authorize, token, userinfo, discovery, JWKS, revocation,
introspection, RP-initiated logout. Protocol rules live here; views only parse, call
these services and render. The client registry is idp/clients (below this part); the
pages for people (login, consent, the organisation picker, logout confirmation) are
idp/web (above it).

Map: ``server.py`` is the one registry (Authlib AuthorizationServer with the
grants in ``grants/`` and the endpoints in ``endpoints/``, end_session included);
``client_auth.py`` authenticates clients; ``authorize.py`` decides login / consent /
prompt=none / code; ``interaction.py`` hands a request to the pages for people and
back (``oidc.resume``); ``consent.py`` remembers consent; ``codes.py``,
``refresh.py``, ``access_tokens.py`` and ``id_tokens.py`` make and keep tokens;
``claims.py`` says which claims a scope carries; ``render.py`` renders every protocol
outcome and OAuth error (an answer that can only be a page is raised as an IdPError
for web/errors.py); ``subscribers.py`` reacts to idp.events.
"""
