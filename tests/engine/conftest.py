import os
import shutil

import pytest


@pytest.fixture(scope="session")
def small_population(tmp_path_factory, django_db_setup, django_db_blocker):
    """A small synthetic population in the Parquet format, spread over several provinces."""
    from django.core.management import call_command

    out = tmp_path_factory.mktemp("population") / "pop"
    with django_db_blocker.unblock():
        call_command("synth", "population", "--people", "4000", "--out", str(out), "--seed", "11", "--quiet")
    return out


def spark_available() -> bool:
    return shutil.which("java") is not None


@pytest.fixture
def require_spark():
    if not spark_available():
        if os.environ.get("JIUZHU_REQUIRE_SPARK"):
            pytest.fail("JIUZHU_REQUIRE_SPARK is set but no Java runtime is installed for Spark")
        pytest.skip("Spark needs a Java runtime (java not found)")
