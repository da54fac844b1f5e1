"""Services decide: validation, ownership, state changes. REST and GraphQL both call these."""
