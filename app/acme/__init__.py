"""The only code that speaks ACME: keys, the client, the issuer, ARI, its error tree (the CA
catalogue is the product's: app/services/certificates/cas.py)."""
