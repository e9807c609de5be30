from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevtoolsConfig(AppConfig):
    """Development and demo tooling, kept apart from the service: the offline test PKI, its
    OCSP responder, the NCALayer stand-in, the demo oblast and `demo-setup`. No app of the
    service imports this package (an import contract in pyproject.toml says so)."""

    name = "bekitu.devtools"
    label = "devtools"
    verbose_name = _("Development tools")

    def ready(self) -> None:
        from bekitu.eds.cli import subcommand_register

        # `bekitu eds test-pki|ocsp-responder|ncalayer-dev` keep their names.
        for name, module in (
            ("test-pki", "bekitu.devtools.cli.test_pki"),
            ("ocsp-responder", "bekitu.devtools.cli.ocsp_responder"),
            ("ncalayer-dev", "bekitu.devtools.cli.ncalayer_dev"),
        ):
            subcommand_register(name=name, module=module)
