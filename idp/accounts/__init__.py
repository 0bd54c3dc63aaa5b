"""Accounts: people, their passwords (argon2id), login and the user service
the CLI and the login page share."""
