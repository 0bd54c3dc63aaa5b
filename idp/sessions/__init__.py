"""SSO sessions: one server-side session (sid) per signed-in browser, kept in the
shared store with idle and absolute lifetimes, indexed per user."""
