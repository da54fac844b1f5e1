"""DNS providers: users' credentials for their DNS hosts, and the dns-01 TXT records casp
writes through them (dns_provider mode)."""
