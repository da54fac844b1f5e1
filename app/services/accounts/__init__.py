"""Accounts: sign-up, login, API tokens, mailed one-time tokens."""
