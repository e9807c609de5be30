"""The citizen portal (R9): built by its own issue, and until then not an installed app.

Its import contract is already in force (pyproject.toml, `[tool.importlinter]`): the portal
imports only `core`, `eds`, `gateway` and `registry.population`, and reaches the provider only
through the gateway, as the real portal does.
"""
