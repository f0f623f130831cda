"""Repositories: small functions per concern that take a Connection, so a workflow step can
compose several of them inside one transaction (``Database.write()``)."""
