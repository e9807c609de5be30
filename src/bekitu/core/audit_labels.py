"""The audit log's action codes and channels in words, in the reader's language (the admin
shows them, and filters by them, in Kazakh, Russian or English). An action code is
`<subject>.<verb>`, e.g. `service.application.read`; each part is named, so codes made at run
time (`registry.person.list`, `gateway.inbox.read`) are named too, and an unknown part shows
as it is."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

SUBJECTS = {
    "core.audit": _("audit log"),
    "core.user": _("user account"),
    "eds": _("EDS"),
    "eds.test_pki.person": _("test PKI person"),
    "gateway.inbox": _("gateway: incoming message"),
    "gateway.outbox": _("gateway: outgoing message"),
    "gateway.message": _("gateway: message"),
    "gateway.participant": _("gateway: participant"),
    "registry.attachment": _("attachment"),
    "registry.person": _("person"),
    "registry.provider": _("provider"),
    "registry.district": _("district"),
    "registry.demo_data": _("demo data"),
    "reports.export": _("report export"),
    "reports.report": _("report"),
    "reports.band_edition": _("age bands edition"),
    "service.application": _("application"),
    "service.policy_edition": _("policy edition"),
    "service.portal_request": _("portal request"),
    "service.portal_setting": _("portal setting"),
    "service.register": _("register"),
    "service.step_statistics": _("step statistics"),
    "talons.talon": _("talon"),
    "talons.refusal": _("refusal"),
    "workstation.person": _("person's card"),
    "workstation.phone": _("telephone application"),
    "workstation.population": _("attached population"),
    "workstation.register": _("population register"),
    "workstation.scan": _("scan of a document"),
    "workstation.staff": _("staff account"),
    "workstation.heads": _("head of the provider"),
}
VERBS = {
    "read": _("read"),
    "list": _("list viewed"),
    "search": _("searched"),
    "queue": _("queue viewed"),
    "create": _("created"),
    "update": _("changed"),
    "change": _("changed"),
    "delete": _("deleted"),
    "issue": _("issued"),
    "close": _("closed"),
    "load": _("loaded"),
    "lookup": _("looked up"),
    "lookup_refused": _("look-up refused (hourly limit)"),
    "identity": _("caller's identity checked"),
    "sms_sent": _("SMS sent"),
    "sms_failed": _("SMS not sent"),
    "sms_skipped": _("no SMS (no phone number)"),
    "sign": _("signed"),
    "verify": _("verified"),
    "park": _("parked"),
    "reject": _("rejected"),
    "register": _("registered"),
    "made": _("made"),
    "request": _("requested"),
    "download": _("downloaded"),
    "attachments": _("attachments"),
    "checks": _("checks run"),
    "decide": _("decided"),
    "auto_decision": _("decided automatically"),
    "sla_flag": _("term flagged"),
    "replay": _("replayed"),
    "discard": _("discarded"),
    "signature_pending": _("issued unsigned (key unavailable)"),
    "sign_pending": _("signed once the key was back"),
    "told_signature_pending": _("told that a talon awaits its signature"),
}
CHANNELS = {
    "desk": _("desk (workstation)"),
    "api": _("API"),
    "admin": _("administration"),
    "system": _("system"),
    "cli": _("command line"),
    "portal": _("portal"),
    "public": _("public page"),
}


def action_label(code: str) -> str:
    """The action in words, e.g. "application: read"; the code itself if nothing is known."""
    subject, _sep, verb = code.rpartition(".")
    if subject.startswith("access."):
        subject = subject.removeprefix("access.")
    named_subject = SUBJECTS.get(subject)
    named_verb = VERBS.get(verb)
    if named_subject is None and named_verb is None:
        return code
    return gettext("%(subject)s: %(verb)s") % {
        "subject": named_subject or subject,
        "verb": named_verb or verb,
    }


def channel_label(code: str) -> str:
    """The channel in words, or the code."""
    label = CHANNELS.get(code)
    return str(label) if label is not None else code
