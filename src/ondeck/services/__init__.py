"""Use cases: each loads what it needs, asks the domain, persists, and commits once."""
