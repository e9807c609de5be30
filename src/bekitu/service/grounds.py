"""The legal ground of a refusal, citing the act of the policy edition that applies.

A reason of the attachment rules (clause "policy" in `core.vocabulary`) cites the act that
enacted the application's edition: its citation (title, authority, date, number) and, only
where the act's text is at hand, its paragraph; then what the rule is about. Every other reason
cites the regulation, the standard or the rules on representation, whatever the edition
(`core.vocabulary`). Each ground is given in Kazakh, Russian and English.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

from bekitu.core.vocabulary import RefusalCode, legal_ground_texts, refusal_reason

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from bekitu.service.policy import Policy

LANGUAGES = ("kk", "ru", "en")

# What each rule of the attachment rules is about, as the ground names it after the act.
SUBJECTS: dict[str, StrOrPromise] = {
    RefusalCode.DECEASED: _("only a living resident is attached"),
    RefusalCode.NOT_ELIGIBLE: _("who may be attached"),
    RefusalCode.TOO_FREQUENT: _("how often a provider may be changed"),
    RefusalCode.OUTSIDE_CAMPAIGN: _("the attachment campaign"),
    RefusalCode.PROVIDER_NOT_AVAILABLE: _("choice within the administrative-territorial unit"),
    RefusalCode.ALREADY_ATTACHED: _("one provider at a time"),
}


def refusal_ground_texts(code: str, policy: Policy | None) -> dict[str, str]:
    """The legal ground of a refusal for `code` under an edition, in kk, ru and en."""
    reason = refusal_reason(code)
    act = policy.act if policy is not None else None
    if reason.clause != "policy" or act is None or code not in SUBJECTS:
        return legal_ground_texts(code)
    paragraph = act.paragraphs.get(code, "")
    texts = {}
    for lang in LANGUAGES:
        with override(lang):
            values = {"act": act.citation(lang), "subject": str(SUBJECTS[code])}
            if paragraph:
                text = _("%(act)s, paragraph %(paragraph)s: %(subject)s") % {
                    **values,
                    "paragraph": paragraph,
                }
            else:
                text = _("%(act)s: %(subject)s") % values
            texts[lang] = str(text)
    return texts


def refusal_ground_text(code: str, policy: Policy | None) -> str:
    """The ground in the active language (Kazakh when none is)."""
    texts = refusal_ground_texts(code, policy)
    lang = (get_language() or "kk").split("-")[0]
    return texts.get(lang, texts["kk"])
