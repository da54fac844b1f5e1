"""GraphQL (Strawberry) over the same services as REST v1."""

from schema.build import schema

__all__ = ["schema"]
