"""The shapes of the reports' API, for the OpenAPI schema and the exports' input."""

from __future__ import annotations

from rest_framework import serializers

from bekitu.reports.catalog import KINDS
from bekitu.reports.models import ReportRun
from bekitu.workstation.api.serializers import ErrorSerializer

# The API's errors have one shape everywhere: the workstation's.
__all__ = ["ErrorSerializer"]


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable name: the CSV header and the rows' key.")
    # DRF's metaclass takes declared fields off the class: `label` does not shadow Field.label.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="The column's heading in the request's language."
    )
    kind = serializers.ChoiceField(
        choices=["text", "int", "share", "minutes", "date", "datetime"],
        help_text="share: 0..1; minutes: working minutes; date/datetime: ISO 8601.",
    )


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(), help_text="One object per row, keyed by column key."
    )


class ReportSerializer(serializers.Serializer):
    report = serializers.ChoiceField(choices=list(KINDS))
    title = serializers.CharField()
    params = serializers.DictField(child=serializers.CharField())
    tables = TableSerializer(many=True)


class KindSerializer(serializers.Serializer):
    report = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    parameters = serializers.ListField(child=serializers.CharField())


class ExportCreateSerializer(serializers.Serializer):
    report = serializers.ChoiceField(choices=list(KINDS))
    format = serializers.ChoiceField(choices=ReportRun.Format.values)
    table = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="For CSV: the table's key (default: the main one).",
    )
    params = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="The report's parameters, as its GET endpoint takes them: as_of, first, last, "
        "provider, by.",
    )


class ExportSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    report = serializers.CharField()
    format = serializers.CharField()
    status = serializers.ChoiceField(choices=ReportRun.Status.values)
    progress = serializers.IntegerField(help_text="0..100")
    error = serializers.CharField(allow_blank=True)
    params = serializers.DictField(child=serializers.CharField(allow_blank=True))
    file = serializers.CharField(allow_null=True, help_text="Where to download it once done.")
    size = serializers.IntegerField()
