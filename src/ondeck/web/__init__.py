"""The FastAPI app: ingest endpoints, /api/v1, signed links and the server-rendered UI."""
