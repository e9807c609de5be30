"""The security tests reuse the desk's small world (two providers, staff of each role)."""

from tests.workstation.conftest import desk

__all__ = ["desk"]
