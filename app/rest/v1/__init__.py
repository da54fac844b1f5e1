"""The v1 resources, in the order the OpenAPI document lists them."""

from app.rest.v1.account import RESOURCE as ACCOUNT
from app.rest.v1.auth import RESOURCE as AUTH

RESOURCES = (AUTH, ACCOUNT)
