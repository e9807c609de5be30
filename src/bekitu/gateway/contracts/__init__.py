"""The messages the portal and the provider's side exchange through the gateway (R9.8-R9.12):
plain dataclasses, XML build and parse, each under a versioned XSD in `gateway/schemas/`.

- `attachment_request`: the citizen's signed request (`bekitu.attachment.request`);
- `attachment_status`: the provider's word on it (`bekitu.attachment.status`);
- `register_query`: the register's answer for the personal cabinet
  (`bekitu.register.attachments`, a synchronous query).

Both sides import this package; it imports nothing of the portal, the service or the register.
"""
