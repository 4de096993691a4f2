"""ondeck: self-hosted on-call and incident response."""

__version__ = "0.1.0"
