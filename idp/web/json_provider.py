"""The app's JSON provider: nesting too deep for the parser is malformed JSON, not a crash.

Python's json module raises RecursionError (not ValueError) on input nested a few
thousand levels deep. Werkzeug's ``Request.get_json`` turns only ValueError into
a 400, so ``[[[[…`` posted as application/json to any page with a form (Flask-WTF
reads JSON bodies as form data) answered 500. Here it is a ValueError like any
other malformed document: the caller's usual 400.
"""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
