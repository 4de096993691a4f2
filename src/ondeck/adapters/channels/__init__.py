"""Channels: one module per way of reaching a person, each implementing ``Channel``."""
