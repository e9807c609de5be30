"""The messages the portal and the provider's side exchange over the gateway: plain
dataclasses with their XML build and parse, each under a versioned XSD in `../schemas/`.
Both sides import these; nothing here imports the portal's or the service's models."""
