"""Pages for people: login, errors, and the hand-off back to the protocol code.
Views parse, call a service, render."""
