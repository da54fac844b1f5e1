"""The v1 resources, in the order the OpenAPI document lists them."""

from app.rest.v1.account import RESOURCE as ACCOUNT
from app.rest.v1.auth import RESOURCE as AUTH
from app.rest.v1.certificates import RESOURCE as CERTIFICATES
from app.rest.v1.domains import RESOURCE as DOMAINS
from app.rest.v1.notifications import RESOURCE as NOTIFICATIONS
from app.rest.v1.renewal import RESOURCE as RENEWAL

RESOURCES = (AUTH, ACCOUNT, DOMAINS, CERTIFICATES, RENEWAL, NOTIFICATIONS)
