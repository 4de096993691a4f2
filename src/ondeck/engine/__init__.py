"""The worker that fires due escalations and delivers the outbox."""
