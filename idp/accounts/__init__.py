"""Accounts: people, their passwords (argon2id), login and the user service
the CLI and the login page share.

``login`` runs the steps of a login (password, second factor) and decides;
``lockout`` counts failures per account and per IP in the shared store;
``totp`` holds the second factor (RFC 6238) and its recovery codes;
``pending`` parks a password-verified login until its second factor arrives."""
