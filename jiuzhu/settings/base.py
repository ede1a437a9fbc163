"""Base settings: the embedded SQLite default, Chinese first, English second."""
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from jiuzhu.settings.env import BASE_DIR, VAR_DIR, env_bool, env_list, env_str

SECRET_KEY = env_str("JIUZHU_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("JIUZHU_DEBUG", False)
ALLOWED_HOSTS = env_list("JIUZHU_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "ninja",
    "jiuzhu.core",
    "jiuzhu.accounts",
    "jiuzhu.registry",
    "jiuzhu.policy",
    "jiuzhu.cases",
    "jiuzhu.monitoring",
    "jiuzhu.payments",
    "jiuzhu.engine",
    "jiuzhu.synth",
    "jiuzhu.web",
    "jiuzhu.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiuzhu.web.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "jiuzhu.urls"
WSGI_APPLICATION = "jiuzhu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiuzhu.web.context_processors.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jiuzhu.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the dev server read while an import writes; a busy timeout instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "jiuzhu" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

JIUZHU = {
    # Where generated data (databases, Parquet populations, import reports) lives; never in git.
    "VAR_DIR": Path(VAR_DIR),
    "PAGE_SIZE": 25,
    "API_PAGE_SIZE_MAX": 200,
    # The batch engine's memory ceiling (issue 3's target is a 12 GiB peak for the whole process).
    "DUCKDB_MEMORY_LIMIT": env_str("JIUZHU_DUCKDB_MEMORY_LIMIT", "9GB"),
    # A batch screens at most this many households at a time, all its workers together (about 2.2 people each).
    "BATCH_PARTITION_HOUSEHOLDS": 2_500_000,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("JIUZHU_LOG_LEVEL", "WARNING")},
}
