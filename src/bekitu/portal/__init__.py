"""The citizen portal (R9.1-R9.7): accounts, the request form, signing, condition 2, the cabinet.

It plays the e-government portal's part: it imports only `core`, `eds`, `gateway` and
`registry.population` (pyproject.toml, `[tool.importlinter]`), and reaches the provider only
through the gateway, as the real portal does. See docs/portal.md.
"""
