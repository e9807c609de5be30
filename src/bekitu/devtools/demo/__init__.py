"""Demo data: a generated, plausible East Kazakhstan oblast (`bekitu demo-data`)."""

from bekitu.devtools.demo.loader import LoadSummary, load_blocker, load_demo_data

__all__ = ["LoadSummary", "load_blocker", "load_demo_data"]
