"""Pluggable crypto backends for algorithms this project does not verify itself (GOST)."""
