"""Certificates: the records users see, issuance and renewal jobs, the CA catalogue, downloads."""
