"""The only code that speaks ACME: CA registry, keys, the client, challenge responders."""
