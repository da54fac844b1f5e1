"""casp: certificate automation server."""
