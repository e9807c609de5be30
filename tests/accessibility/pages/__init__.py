"""The pages of the accessibility check, one module per app (tests/accessibility/registry.py)."""
