"""Test settings: same as base, fast hashing, database from DATABASE_URL (SQLite by default)."""
from jiuzhu.settings.base import *  # noqa: F401,F403
from jiuzhu.settings.base import DATABASES
from jiuzhu.settings.env import env_str

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    # A suffix lets several runs share one server at once (e.g. JIUZHU_TEST_DB_SUFFIX=_api).
    DATABASES["default"]["TEST"] = {"NAME": "test_jiuzhu" + env_str("JIUZHU_TEST_DB_SUFFIX", "")}
