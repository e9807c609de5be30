"""The portal's JSON API for the mobile app, under /portal/api/v1/ (docs/portal.md)."""
