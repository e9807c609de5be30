"""Django settings. Every value comes from the environment through `bekitu.conf`."""

from __future__ import annotations

import zoneinfo
from pathlib import Path

import dj_database_url

from bekitu.conf import env_bool, env_int, env_list, env_str, owner_only

SRC_DIR = Path(__file__).resolve().parent
PROJECT_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(
    env_str(
        "BEKITU_VAR_DIR",
        str(PROJECT_DIR / "var"),
        "Folder for the SQLite database, uploaded scans, the test PKI and keys.",
    )
)

DEBUG = env_bool("BEKITU_DEBUG", True, "Debug mode; must be false in production.")
_DEV_SECRET = "bekitu-development-only-secret-key-not-for-production"  # noqa: S105
SECRET_KEY = env_str(
    "BEKITU_SECRET_KEY",
    _DEV_SECRET if DEBUG else "",
    "Django secret key; required (no default) when BEKITU_DEBUG is false.",
    secret=True,
)
if not SECRET_KEY:
    raise RuntimeError("BEKITU_SECRET_KEY must be set when BEKITU_DEBUG is false")
ALLOWED_HOSTS = env_list(
    "BEKITU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver", "Host names the site answers to."
)
CSRF_TRUSTED_ORIGINS = env_list(
    "BEKITU_CSRF_TRUSTED_ORIGINS", "", "Origins trusted for CSRF behind a proxy (https://...)."
)
# The service's public address: the talon's QR code and the address printed under it lead
# there. BEKITU_PUBLIC_URL; BEKITU_PUBLIC_BASE_URL is its earlier name, still read.
PUBLIC_BASE_URL = env_str(
    "BEKITU_PUBLIC_URL",
    env_str(
        "BEKITU_PUBLIC_BASE_URL",
        "http://127.0.0.1:8000",
        "Earlier name of BEKITU_PUBLIC_URL (read when that is not set).",
    ),
    "Public address of the service (https://…), used in the QR codes and printed addresses "
    "of talons and refusals.",
)
TALON_VERIFY_RATE = env_str(
    "BEKITU_TALON_VERIFY_RATE",
    "120/min",
    "Talon checks (page and API) one client address may make, e.g. 120/min; empty: no limit.",
)
TALON_PDF_WAIT_SECONDS = env_int(
    "BEKITU_TALON_PDF_WAIT_SECONDS",
    10,
    "Seconds after issue during which a talon's PDF is left to the background worker; a "
    "request after that makes a PDF still missing itself.",
)
TRUSTED_PROXIES = env_int(
    "BEKITU_TRUSTED_PROXIES",
    0,
    "Reverse proxies in front of the service that append the client's address to "
    "X-Forwarded-For; 0: the header is ignored and the connection's address is the client's.",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "bekitu.core",
    "bekitu.registry",
    "bekitu.eds",
    "bekitu.service",
    "bekitu.gateway",
    "bekitu.talons",
    "bekitu.workstation",
    "bekitu.reports",
    "bekitu.handbook",
    "bekitu.portal",
    # Development and demo tooling (test PKI, demo oblast); no app of the service imports it.
    "bekitu.devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bekitu.core.security.RequestSizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "bekitu.core.errors.ApiErrorMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bekitu.core.audit.AdminAuditContextMiddleware",
    "bekitu.core.audit.AuditBatchMiddleware",
    "bekitu.core.security.IdleSessionMiddleware",
    "bekitu.core.security.AdminNetworkMiddleware",
    "bekitu.core.security.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bekitu.urls"
CSRF_FAILURE_VIEW = "bekitu.core.views.csrf_failure"
WSGI_APPLICATION = "bekitu.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "/workstation/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'bekitu.sqlite3'}",
    "Database: sqlite:///path (default, embedded) or postgres://user@host:5432/name.",
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction so two writers queue instead of failing half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
# On PostgreSQL the server binds the parameters and plans a statement once per connection
# after its n-th use, instead of parsing and planning every query's text anew (decision 0015).
# 0 binds on the client and prepares nothing, for a pooler that cannot keep prepared
# statements (PgBouncer before 1.21 in transaction mode).
DB_PREPARE_THRESHOLD = env_int(
    "BEKITU_DB_PREPARE_THRESHOLD",
    2,
    "PostgreSQL: prepare a statement after this many uses on a connection; 0: never "
    "(parameters bound on the client), for a pooler that cannot keep prepared statements.",
)
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and DB_PREPARE_THRESHOLD > 0:
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": DB_PREPARE_THRESHOLD,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = env_int(
    "BEKITU_PASSWORD_MIN_LENGTH", 12, "Shortest password accepted for a new or changed one."
)
# A one-time set-password link of `bekitu staff-create --link` (workstation/services.py).
PASSWORD_RESET_TIMEOUT = 3600 * env_int(
    "BEKITU_SET_PASSWORD_LINK_HOURS",
    24,
    "Hours a one-time set-password link of `bekitu staff-create --link` stays valid.",
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Security (docs/security.md): login lockout, session lifetime, cookies, headers, the admin.
AUTHENTICATION_BACKENDS = ["bekitu.core.security.LockoutModelBackend"]
LOGIN_FAILURE_LIMIT = env_int(
    "BEKITU_LOGIN_FAILURE_LIMIT",
    5,
    "Failed logins of one user name from one address (pages, admin, API) before that pair is "
    "refused; 0: no lockout.",
)
LOGIN_LOCKOUT_SECONDS = env_int(
    "BEKITU_LOGIN_LOCKOUT_SECONDS", 900, "How long a lockout lasts after the last failed login."
)
INTAKE_LOOKUPS_PER_HOUR = env_int(
    "BEKITU_INTAKE_LOOKUPS_PER_HOUR",
    120,
    "Different IINs a staff member may look up in the population register an hour; 0: no limit.",
)
PHONE_IDENTITY_QUESTIONS = env_list(
    "BEKITU_PHONE_IDENTITY_QUESTIONS",
    "birth_date,street,house",
    "What the specialist asks a telephone caller to confirm who they are, checked against the "
    "population register (comma-separated): birth_date, patronymic, locality, street, house, "
    "apartment, phone_number (the number the register holds). Checked at start-up.",
)
PHONE_IDENTITY_REQUIRED = env_int(
    "BEKITU_PHONE_IDENTITY_REQUIRED",
    0,
    "How many of the caller's answers must match the register for a telephone application; "
    "0: all the questions asked. Checked at start-up (1 to the number of questions).",
)
SESSION_IDLE_SECONDS = env_int(
    "BEKITU_SESSION_IDLE_SECONDS",
    1800,
    "A logged-in user idle this long is logged out (a workstation left open); 0: never.",
)
SESSION_COOKIE_AGE = env_int(
    "BEKITU_SESSION_MAX_SECONDS",
    43200,
    "Longest a login lasts, active or not (default 12 hours: one working day).",
)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CACHE_URL = env_str(
    "BEKITU_CACHE_URL",
    "locmem://",
    "Django's cache: locmem:// (one process), file:///path (processes on one machine), "
    "redis://host:6379/0 (several machines, needs the redis package). Login lockouts and rate "
    "limits do not use it: they count in the database.",
)
_CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "file": "django.core.cache.backends.filebased.FileBasedCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
}
_cache_scheme, _, _cache_rest = CACHE_URL.partition("://")
CACHES = {
    "default": {
        "BACKEND": _CACHE_BACKENDS[_cache_scheme],
        "LOCATION": CACHE_URL if _cache_scheme == "redis" else _cache_rest,
    }
}
CSP_REPORT_ONLY = env_bool(
    "BEKITU_CSP_REPORT_ONLY",
    False,
    "Send the Content-Security-Policy as report-only (to try a change) instead of enforcing it.",
)
ADMIN_NETWORKS = env_list(
    "BEKITU_ADMIN_NETWORKS",
    "",
    "Networks (CIDR) from which /admin/ answers; empty: anywhere while BEKITU_DEBUG is true, "
    "private networks and loopback only when it is false. 0.0.0.0/0,::/0 opens it to all.",
)
if not ADMIN_NETWORKS and not DEBUG:
    ADMIN_NETWORKS = [
        "127.0.0.0/8",
        "::1/128",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
    ]
METRICS_NETWORKS = env_list(
    "BEKITU_METRICS_NETWORKS",
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
    "Networks (CIDR) from which /metrics answers (the monitoring's scraper); elsewhere 404.",
)
HTTPS_REDIRECT = env_bool(
    "BEKITU_HTTPS_REDIRECT",
    True,
    "With BEKITU_DEBUG false: redirect plain HTTP to HTTPS.",
)
HSTS_SECONDS = env_int(
    "BEKITU_HSTS_SECONDS",
    31_536_000,
    "With BEKITU_DEBUG false: Strict-Transport-Security max-age (this host and its "
    "subdomains); 0: no HSTS.",
)
PROXY_SSL_HEADER = env_bool(
    "BEKITU_PROXY_SSL_HEADER",
    False,
    "Trust X-Forwarded-Proto: https from the reverse proxy that terminates TLS (set only "
    "behind such a proxy, which must overwrite the header).",
)
if PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LOCAL_HTTP = env_bool(
    "BEKITU_LOCAL_HTTP",
    False,
    "With BEKITU_DEBUG false: serve over plain HTTP on this machine only (`make run`): no "
    "HTTPS redirect, no HSTS, cookies without Secure; refused with a non-local host name.",
)
if not DEBUG and not LOCAL_HTTP:
    # Production: cookies over HTTPS only, with the __Host- prefix (no Domain, Path=/), so
    # a sibling subdomain cannot plant a session or CSRF cookie; HSTS; HTTP redirected.
    SECURE_SSL_REDIRECT = HTTPS_REDIRECT
    # Probes and the monitoring's scraper ask over the internal network in plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = HSTS_SECONDS > 0
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HSTS preload commits the whole registrable domain (gov.kz): its owner's decision, not one
# service's, so `check --deploy` is not asked to insist on it.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Error reports (the debug page, mailed or logged reports) mask the passwords of URL settings.
DEFAULT_EXCEPTION_REPORTER_FILTER = "bekitu.core.security.CredentialMaskingFilter"

LANGUAGE_CODE = env_str(
    "BEKITU_LANGUAGE", "kk", "Default language of the pages: kk (Kazakh), ru or en."
)
LANGUAGES = [("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
# Kazakh for the Django strings (admin, auth, forms) that Django's own kk catalogue lacks;
# after ours, so the project's catalogue wins (docs/translations.md).
LOCALE_PATHS.append(SRC_DIR / "locale" / "framework")
USE_I18N = True
# Dates as 27.11.2026 18:04 in Kazakh and Russian, everywhere (bekitu/core/formats).
FORMAT_MODULE_PATH = ["bekitu.core.formats"]
TIME_ZONE = env_str(
    "BEKITU_TIME_ZONE",
    "Asia/Almaty",
    "Time zone of the service and of providers' working hours (UTC+5 since 2024-03-01).",
)
USE_TZ = True
# Time-zone data from the pinned tzdata package, not the machine's: Kazakhstan moved to UTC+5
# on 2024-03-01 and an old system database would disagree with core.calendar.
zoneinfo.reset_tzpath(to=[])

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every request without it
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [SRC_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
# People's data lives under VAR_DIR (the SQLite database, scans, keys): owner-only, for files
# this process creates (umask; Django's upload modes would otherwise be 0644) and for those
# that exist (docs/operations.md).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
_sqlite = DATABASES["default"]["NAME"] if "sqlite3" in DATABASES["default"]["ENGINE"] else ""
owner_only(
    [VAR_DIR, MEDIA_ROOT],
    [Path(f"{_sqlite}{suffix}") for suffix in ("", "-wal", "-shm", "-journal") if _sqlite],
)

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Basic for programs; a browser is never sent a Basic challenge (no password dialog).
        "bekitu.workstation.api.auth.BasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "bekitu.core.security.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "NUM_PROXIES": TRUSTED_PROXIES,
    "EXCEPTION_HANDLER": "bekitu.core.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bekitu API",
    "DESCRIPTION": "Attachment to a primary-health-care provider: register, applications, talons.",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Without deep links Swagger UI draws an operation's path as text, not as a link inside
    # the operation's button (an interactive control nested in another, WCAG 4.1.2).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # The portal's request status is a choice set of its own beside the service's statuses:
    # named, so that the two "status" enums do not collide in the components.
    "ENUM_NAME_OVERRIDES": {
        "PortalRequestStatusEnum": "bekitu.portal.models.Status",
        "AttachmentBasisEnum": "bekitu.core.vocabulary.AttachmentBasis",
        "ReattachmentKindEnum": "bekitu.service.reattachment.models.Reattachment.Kind",
        # Two fields named `relation`: the dependant's (parent, guardian) keeps its name.
        "RelationEnum": ["parent", "guardian"],
        "AttachmentRelationEnum": "bekitu.portal.api.cabinet.RELATIONS",
    },
}

# Working time (R5.3, R9.13): the default hours of a provider that has none of its own.
WORKDAY_OPENS = env_str("BEKITU_WORKDAY_OPENS", "08:00", "Default opening time of providers.")
WORKDAY_CLOSES = env_str("BEKITU_WORKDAY_CLOSES", "20:00", "Default closing time of providers.")

# The state service: the attachment rules and the documents (docs/policy.md).
POLICY_EDITION = env_str(
    "BEKITU_POLICY_EDITION",
    "",
    "Pin the attachment rules to one edition (2015 or 2020); empty: the edition in force on "
    "the application's date.",
)
SCAN_MAX_BYTES = env_int(
    "BEKITU_SCAN_MAX_BYTES", 10_000_000, "Largest scan of a document accepted, in bytes."
)
REQUEST_MAX_BYTES = env_int(
    "BEKITU_REQUEST_MAX_BYTES",
    12_000_000,
    "Largest request body accepted (413 before it is read); above BEKITU_SCAN_MAX_BYTES and "
    "BEKITU_EDS_MAX_REQUEST_BYTES.",
)

# Background work: Celery. The default transport keeps messages in files under var/, so a
# fresh machine needs no broker; at scale point it at RabbitMQ (amqp://guest@127.0.0.1//).
CELERY_BROKER_URL = env_str(
    "BEKITU_BROKER_URL",
    "filesystem://",
    "Celery broker: filesystem:// (default, no server) or amqp://guest:guest@127.0.0.1:5672//.",
)
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "BEKITU_TASKS_EAGER", False, "Run background tasks in the calling process (tests, demos)."
)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("broker", "broker-control"):
        (VAR_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
# The worker logs through LOGGING (one JSON line per event, masked), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
SLA_SCAN_SECONDS = env_int(
    "BEKITU_SLA_SCAN_SECONDS",
    60,
    "How often the background task flags applications near or past their deadline (R5.3).",
)
CELERY_BEAT_SCHEDULE = {
    "service-sla-scan": {"task": "service.tasks.sla_scan", "schedule": SLA_SCAN_SECONDS},
}

# The state database of individuals (ГБД ФЛ) behind the PopulationRegister port.
POPULATION_REGISTER = env_str(
    "BEKITU_POPULATION_REGISTER",
    "bekitu.registry.population.LocalPopulationRegister",
    "Dotted path of the population-register adapter (class or instance); default: local tables.",
)

DEMO_PERSONS = env_int("BEKITU_DEMO_PERSONS", 20000, "Persons `make run` loads as demo data.")

AUDIT_CHAINS = env_int(
    "BEKITU_AUDIT_CHAINS",
    16,
    "Number of audit hash chains; each actor writes to one, so actors don't wait on each other.",
)

LOG_LEVEL = env_str("BEKITU_LOG_LEVEL", "INFO", "Log level of the service's own loggers.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"event": {"()": "bekitu.core.logging.EventFormatter"}},
    "filters": {"mask": {"()": "bekitu.core.logging.MaskFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "event", "filters": ["mask"]}
    },
    # Django's own request and server logs carry paths and query strings, which may hold a
    # name or an IIN (a search); they go through the same filter and formatter, which mask
    # every query-string value and 12-digit numbers (docs/security.md).
    # One handler, the root's: the project's events (and the background worker's own lines,
    # `celery`) propagate to it, so each is written once, also where a server configured the
    # root before Django did (gunicorn's `bekitu.core.gunicorn`); any other library's warnings
    # are written by it too, in the same JSON and masked.
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "bekitu": {"level": LOG_LEVEL},
        "celery": {"level": "INFO"},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # signxml logs whole documents at DEBUG.
        "signxml": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# EDS (R9.5-R9.8, R9.12): trust store, revocation, the providers' keys.
EDS_TRUST_DIR = Path(
    env_str(
        "BEKITU_EDS_TRUST_DIR",
        str(VAR_DIR / "pki" / "trust"),
        "Folder of trusted root and intermediate CA certificates (*.pem, *.crt, *.cer, *.der).",
    )
)
EDS_CRL_DIR = Path(
    env_str(
        "BEKITU_EDS_CRL_DIR",
        str(VAR_DIR / "pki" / "crl"),
        "Folder of CRLs (*.crl, PEM or DER), refreshed by `bekitu eds refresh-crl`.",
    )
)
EDS_OCSP_URL = env_str(
    "BEKITU_EDS_OCSP_URL", "", "OCSP responder used when a certificate names none (AIA)."
)
EDS_CRYPTO_BACKEND = env_str(
    "BEKITU_EDS_CRYPTO_BACKEND",
    "",
    "Dotted path of a class that verifies GOST signatures; empty: GOST is refused.",
)
EDS_MAX_REQUEST_BYTES = env_int(
    "BEKITU_EDS_MAX_REQUEST_BYTES", 2_000_000, "Largest signed request accepted, in bytes."
)
EDS_PROVIDER_KEYS_DIR = Path(
    env_str(
        "BEKITU_EDS_PROVIDER_KEYS_DIR",
        str(VAR_DIR / "pki" / "providers"),
        "Folder of providers' PKCS#12 keys, named <BIN>.p12 with the password in <BIN>.pass.",
    )
)
EDS_CRL_URLS = env_list(
    "BEKITU_EDS_CRL_URLS",
    "",
    "CRL addresses `bekitu eds refresh-crl` fetches besides those named in the trust-store "
    "certificates (comma-separated; the NCA's are http://crl.pki.gov.kz/nca_rsa.crl etc.).",
)
EDS_HTTP_TIMEOUT = env_int(
    "BEKITU_EDS_HTTP_TIMEOUT", 10, "Seconds to wait for an OCSP responder or a CRL download."
)
EDS_CRL_MAX_BYTES = env_int(
    "BEKITU_EDS_CRL_MAX_BYTES",
    20_000_000,
    "Largest CRL a refresh downloads, in bytes; the download stops at the first byte past it "
    "and the CRL on disk stays (raise it if `bekitu eds refresh-crl` reports the cap).",
)
EDS_OCSP_MAX_BYTES = env_int(
    "BEKITU_EDS_OCSP_MAX_BYTES",
    65_536,
    "Largest OCSP answer read, in bytes (an answer about one certificate, with its responder's "
    "certificate, is a few kilobytes).",
)
EDS_OCSP_CACHE_SECONDS = env_int(
    "BEKITU_EDS_OCSP_CACHE_SECONDS",
    300,
    "How long an OCSP answer (good or revoked) is reused for the same certificate, at most "
    "until its nextUpdate; 0: the responder is asked at every verification.",
)
EDS_CRL_REFRESH_MINUTES = env_int(
    "BEKITU_EDS_CRL_REFRESH_MINUTES", 60, "How often the background task refreshes the CRLs."
)
EDS_NCALAYER_URL = env_str(
    "BEKITU_EDS_NCALAYER_URL",
    "wss://127.0.0.1:13579",
    "Websocket address the citizen's browser signs through: NCALayer's, or `bekitu eds "
    "ncalayer-dev` (same default port) in the demo.",
)

# Handbook (R10, R11): the BPMN viewer comes from the npm registry (`npm ci` at set-up, run
# by make), never from the repository; its files are served as static files from there.
NODE_MODULES_DIR = Path(
    env_str(
        "BEKITU_NODE_MODULES_DIR",
        str(PROJECT_DIR / "node_modules"),
        "Folder of the installed npm packages (`npm ci`), whose bpmn-js viewer the handbook "
        "pages serve.",
    )
)
STATICFILES_DIRS.append(("vendor/bpmn-js", NODE_MODULES_DIR / "bpmn-js" / "dist"))

# The e-government gateway (R9.8, docs/gateway.md): envelopes between the portal and providers.
GATEWAY_TRANSPORT = env_str(
    "BEKITU_GATEWAY_TRANSPORT",
    "db://",
    "How envelopes travel: db:// (default: a queue table in the database, no server) or "
    "amqp://guest:guest@127.0.0.1:5672// (RabbitMQ, for a region or the country).",
)
GATEWAY_AMQP_PREFIX = env_str(
    "BEKITU_GATEWAY_AMQP_PREFIX",
    "bekitu.gateway",
    "Prefix of the gateway's RabbitMQ exchanges and queues (<prefix>.route.<routeId>, ...).",
)
GATEWAY_KEYS_DIR = env_str(
    "BEKITU_GATEWAY_KEYS_DIR",
    "",
    "Folder of the local participants' organization keys, <BIN>.p12 with the password in "
    "<BIN>.pass, that sign envelopes; empty: BEKITU_EDS_PROVIDER_KEYS_DIR.",
)
GATEWAY_MAX_ENVELOPE_BYTES = env_int(
    "BEKITU_GATEWAY_MAX_ENVELOPE_BYTES",
    64_000_000,
    "Largest envelope sent or accepted, in bytes (a request with its e-copies, in base64).",
)
GATEWAY_MAX_ATTEMPTS = env_int(
    "BEKITU_GATEWAY_MAX_ATTEMPTS",
    12,
    "Deliveries of an outgoing message, or runs of an incoming message's handler, before it is "
    "parked for an operator.",
)
GATEWAY_RETRY_BASE_SECONDS = env_int(
    "BEKITU_GATEWAY_RETRY_BASE_SECONDS",
    5,
    "Delay before the first retry; each later one doubles it (with jitter), up to the cap.",
)
GATEWAY_RETRY_CAP_SECONDS = env_int(
    "BEKITU_GATEWAY_RETRY_CAP_SECONDS", 3600, "Longest delay between two retries."
)
GATEWAY_LEASE_SECONDS = env_int(
    "BEKITU_GATEWAY_LEASE_SECONDS",
    60,
    "How long a relay or receiver holds a message it took; a process that dies holding one "
    "lets it go after this time, and another delivers it.",
)
GATEWAY_RECEIPT_TIMEOUT_SECONDS = env_int(
    "BEKITU_GATEWAY_RECEIPT_TIMEOUT_SECONDS",
    600,
    "A sent request whose receiver has not confirmed it (a receipt) after this long is sent "
    "again, the wait doubling each time: the broker may have lost it. The receiver handles "
    "it once.",
)
GATEWAY_CALL_TIMEOUT_SECONDS = env_int(
    "BEKITU_GATEWAY_CALL_TIMEOUT_SECONDS",
    10,
    "How long a synchronous query through the gateway waits for the answer.",
)
GATEWAY_POLL_SECONDS = env_int(
    "BEKITU_GATEWAY_POLL_SECONDS",
    5,
    "How often the background worker relays the outbox, receives and retries, besides the "
    "relay started after each commit that sends a message.",
)
GATEWAY_RETENTION_DAYS = env_int(
    "BEKITU_GATEWAY_RETENTION_DAYS",
    180,
    "Days the gateway keeps the messages it is done with (sent and confirmed, processed, "
    "discarded) and the record of envelopes it refused; older ones are deleted daily. 0: keep "
    "all. Must outlast every retry (checked at start-up). The legal records (the signed "
    "request, the talon, the audit log) are kept elsewhere and are not touched.",
)
GATEWAY_KICK = env_bool(
    "BEKITU_GATEWAY_KICK",
    True,
    "After a transaction that sends a message commits, ask the background worker to relay at "
    "once rather than at its next poll.",
)
GATEWAY_REGISTER_SYSTEM_ID = env_str(
    "BEKITU_GATEWAY_REGISTER_SYSTEM_ID",
    "bekitu-register",
    "The gateway participant that answers the personal cabinet's queries of a person's "
    "attachments (bekitu.register.attachments).",
)

# Reports (docs/reports.md): district load, and exports made in the background.
REPORTS_LOAD_TOLERANCE = env_int(
    "BEKITU_REPORTS_LOAD_TOLERANCE",
    10,
    "Percent above (below) a district's normative size at which the load report calls it "
    "overloaded (underloaded).",
)
REPORTS_DIR = Path(
    env_str(
        "BEKITU_REPORTS_DIR",
        str(VAR_DIR / "reports"),
        "Folder of report exports made in the background (never served as static files).",
    )
)
REPORTS_KEEP_HOURS = env_int(
    "BEKITU_REPORTS_KEEP_HOURS",
    72,
    "Hours an export is kept for its reader to download; older ones are deleted.",
)
CELERY_BEAT_SCHEDULE["reports-purge"] = {"task": "reports.tasks.purge", "schedule": 3600}
# Talons issued while a provider's key was unavailable (R3.1) are signed once it is back.
TALONS_SIGN_PENDING_SECONDS = env_int(
    "BEKITU_TALONS_SIGN_PENDING_SECONDS",
    300,
    "How often the beat tries to sign talons issued while their provider's key was unavailable.",
)
CELERY_BEAT_SCHEDULE["talons-sign-pending"] = {
    "task": "talons.tasks.sign_pending",
    "schedule": TALONS_SIGN_PENDING_SECONDS,
}
# A talon's PDF whose job the worker lost is made by the beat (a portal's talon goes with it).
TALONS_PDF_MISSING_SECONDS = env_int(
    "BEKITU_TALONS_PDF_MISSING_SECONDS",
    60,
    "How often the beat makes the talons' PDFs still missing BEKITU_TALON_PDF_WAIT_SECONDS "
    "after issue (the worker's job lost); a portal's talon is sent to the citizen with it.",
)
CELERY_BEAT_SCHEDULE["talons-pdf-missing"] = {
    "task": "talons.tasks.pdf_missing",
    "schedule": TALONS_PDF_MISSING_SECONDS,
}
# A re-attachment run whose worker died is resumed by the beat (docs/operations.md).
REATTACHMENT_STALE_SECONDS = env_int(
    "BEKITU_REATTACHMENT_STALE_SECONDS",
    600,
    "A re-attachment run that has committed no batch for this long is taken as dead (its "
    "worker killed) and resumed by the beat; keep it above the time one batch takes.",
)
REATTACHMENT_RESUME_SECONDS = env_int(
    "BEKITU_REATTACHMENT_RESUME_SECONDS",
    60,
    "How often the beat looks for re-attachment runs to resume.",
)
CELERY_BEAT_SCHEDULE["service-reattachment-resume"] = {
    "task": "service.tasks.reattachment_resume",
    "schedule": REATTACHMENT_RESUME_SECONDS,
}

# The citizen portal (R9.1-R9.7, docs/portal.md) and the SMS port (bekitu.core.sms).
SMS_SENDER = env_str(
    "BEKITU_SMS_SENDER",
    "bekitu.core.sms.FileSmsSender",
    "Dotted path of the SMS adapter (class or instance); default: each message is written to "
    "a file in BEKITU_SMS_DIR and logged.",
)
SMS_DIR = Path(
    env_str("BEKITU_SMS_DIR", str(VAR_DIR / "sms"), "Folder the default SMS adapter writes to.")
)
EMAIL_BACKEND = env_str(
    "BEKITU_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend",
    "Django's mail backend for notifications; default: each e-mail is a file in "
    "BEKITU_EMAIL_DIR (django.core.mail.backends.smtp.EmailBackend sends them).",
)
EMAIL_FILE_PATH = Path(
    env_str("BEKITU_EMAIL_DIR", str(VAR_DIR / "mail"), "Folder of the file mail backend.")
)
DEFAULT_FROM_EMAIL = env_str(
    "BEKITU_EMAIL_FROM", "noreply@bekitu.local", "Sender address of notifications."
)
PORTAL_SYSTEM_ID = env_str(
    "BEKITU_PORTAL_SYSTEM_ID",
    "egov-portal",
    "The portal's participant id on the gateway (senderId of the citizen's requests).",
)
PORTAL_CHALLENGE_SECONDS = env_int(
    "BEKITU_PORTAL_CHALLENGE_SECONDS",
    300,
    "How long a challenge to sign, or a code sent by SMS, proves who registers or logs in.",
)
PORTAL_CODE_ATTEMPTS = env_int(
    "BEKITU_PORTAL_CODE_ATTEMPTS", 5, "Wrong entries of one SMS code before it is void."
)
PORTAL_CODES_PER_HOUR = env_int(
    "BEKITU_PORTAL_CODES_PER_HOUR",
    3,
    "SMS codes sent for one IIN in an hour; a new code voids the earlier ones, so this bounds "
    "the guesses at a code (with BEKITU_PORTAL_CODE_ATTEMPTS) and the messages to one phone.",
)
PORTAL_CODES_PER_CLIENT_HOUR = env_int(
    "BEKITU_PORTAL_CODES_PER_CLIENT_HOUR",
    50,
    "Codes asked for from one client address in an hour, whatever the IIN and whether one is "
    "sent, before each one more needs a proof of work (challenge_required): bounds the messages "
    "one client has the service send to others' phones and what it learns of the population "
    "register; set for a mobile operator's address many citizens "
    "share (docs/security.md); 0: no limit.",
)
PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = env_int(
    "BEKITU_PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR",
    100,
    "Failed portal logins (password or EDS, pages and API) from one client address in an "
    "hour, whatever the IIN, before every login from it needs a proof of work "
    "(challenge_required, BEKITU_PORTAL_ADDRESS_CHALLENGE_BITS) until the hour is over: bounds "
    "one password tried against many IINs; set for a mobile "
    "operator's address many citizens share (docs/security.md); 0: no limit.",
)
PORTAL_ADDRESS_CHALLENGE_BITS = env_int(
    "BEKITU_PORTAL_ADDRESS_CHALLENGE_BITS",
    15,
    "Past BEKITU_PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR or BEKITU_PORTAL_CODES_PER_CLIENT_HOUR, "
    "a login or a code asked for from the address needs a proof of work (challenge_required): "
    "the leading zero bits of SHA-256 it asks for just past the limit, one more for each "
    "doubling of the count beyond it. 15: about 32,000 hashes, a second or two in a phone's "
    "browser (docs/decisions/0020).",
)
PORTAL_ADDRESS_CHALLENGE_MAX_BITS = env_int(
    "BEKITU_PORTAL_ADDRESS_CHALLENGE_MAX_BITS",
    20,
    "The most zero bits the proof of work past a per-address limit asks for, however far past "
    "the limit the address is. 20: about a million hashes, half a minute in a phone's browser.",
)
PORTAL_LOOKUPS_PER_ACCOUNT_HOUR = env_int(
    "BEKITU_PORTAL_LOOKUPS_PER_ACCOUNT_HOUR",
    20,
    "Different persons other than themselves one citizen's account may name in an hour (for "
    "whom a request, its checklist or its providers are asked): bounds what an account learns "
    "of the population register; 0: no limit.",
)
PORTAL_DRAFT_HOURS = env_int(
    "BEKITU_PORTAL_DRAFT_HOURS",
    72,
    "How long a request prepared for signing may still be signed and submitted; an older one "
    "is refused (fill in a new one) and deleted with its e-copies a day later.",
)
PORTAL_TOKEN_HOURS = env_int(
    "BEKITU_PORTAL_TOKEN_HOURS", 12, "How long a bearer token of the portal's API is valid."
)
PORTAL_RECHECK_SECONDS = env_int(
    "BEKITU_PORTAL_RECHECK_SECONDS",
    300,
    "How often condition 1 (R9.3: the person alive in the population register, the account "
    "not locked) is checked again while a portal login lasts, per API token and per page "
    "session; a login that fails it ends, and one the register cannot confirm is refused.",
)
# A provider's status message lost on the way (parked and discarded) would leave the citizen's
# request behind the provider's decision: the portal asks the provider (portal/reconcile.py).
PORTAL_STATUS_SILENT_MINUTES = env_int(
    "BEKITU_PORTAL_STATUS_SILENT_MINUTES",
    60,
    "Minutes a portal request not decided may stay in one status before the portal asks the "
    "provider's system where it stands (a status message may have been lost on the way); a "
    "request asked about is asked again after as long.",
)
PORTAL_STATUS_ASK_SECONDS = env_int(
    "BEKITU_PORTAL_STATUS_ASK_SECONDS",
    600,
    "How often the beat looks for portal requests silent for BEKITU_PORTAL_STATUS_SILENT_MINUTES "
    "and asks their providers.",
)
PORTAL_STATUS_ASK_BATCH = env_int(
    "BEKITU_PORTAL_STATUS_ASK_BATCH",
    100,
    "Portal requests asked about in one run of the beat (those never asked first, then the "
    "longest silent); the rest wait for the next run.",
)
