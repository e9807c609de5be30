"""What the talons app tells the layers above it, which it may not import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that stores a talon's signed PDF (after the decision has
# committed), with `talon`: the channel that must deliver the talon (the portal's status
# message, R9.12) sends it from there, so the PDF and its delivery commit together.
talon_pdf_made = Signal()

# Sent after the commit of a talon issued unsigned because the provider's key was
# unavailable (R3.1), with `talon`: the workstation tells the provider's heads.
talon_signature_pending = Signal()
