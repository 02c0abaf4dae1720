"""Compatibility shims for third-party packages."""
