"""Test settings: same as base, fast hashing, database from DATABASE_URL (SQLite by default)."""
from jiuzhu.settings.base import *  # noqa: F401,F403
from jiuzhu.settings.base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    DATABASES["default"]["TEST"] = {"NAME": "test_jiuzhu"}
