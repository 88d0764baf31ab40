"""Errors any layer of ``sqa`` may raise about a profile's inputs (a leaf module: it imports nothing)."""


class ProfileInputError(ValueError):
    """A profile cannot run as configured (missing data or judge); the message names what to set."""
