"""Deployment targets: where certificates go after each issuance and renewal (SSH, webhook),
the records of what was deployed, the deploy job and the TLS check."""
