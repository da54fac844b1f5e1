"""Tortoise models, one module per aggregate. MODEL_MODULES feeds Tortoise's config."""

MODEL_MODULES = [
    "models.user",
    "models.domain",
    "models.certificate",
    "models.acme_account",
    "models.job",
    "models.notification",
]
