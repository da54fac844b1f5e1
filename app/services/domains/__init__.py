"""Domains: which names a user owns, their checks, name rules and DNS."""
