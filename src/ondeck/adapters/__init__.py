"""Implementations of the ports: storage, channels, wire formats, signing."""
