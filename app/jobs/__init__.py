"""Background jobs in the database: a queue with leases, tasks by kind, and the worker."""
