"""The authorization server: clients, authorize, consent, token, userinfo,
discovery, JWKS, revocation, introspection, logout. Protocol rules live here;
views only parse, call these services and render.

Map: ``server.py`` is the one registry (Authlib AuthorizationServer with the
grants in ``grants/`` and the endpoints in ``endpoints/``); ``authorize.py``
decides login / consent / prompt=none / code; ``interaction.py`` hands a
request to the pages for people and back (``oidc.resume``); ``codes.py``,
``refresh.py``, ``access_tokens.py`` and ``id_tokens.py`` make and keep
tokens; ``claims.py`` says which claims a scope carries; ``render.py``
renders every outcome and error; ``subscribers.py`` reacts to idp.events.
"""
