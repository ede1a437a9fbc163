"""Project-wide fixtures. Tests run the same on SQLite and PostgreSQL (DATABASE_URL selects)."""
import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the product's default language, whatever the previous test activated."""
    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture
def region_tree(db):
    from tests.factories import make_region_tree

    return make_region_tree()


@pytest.fixture
def make_user(db):
    from tests.factories import make_user

    return make_user


@pytest.fixture
def make_household(db):
    from tests.factories import make_household

    return make_household


@pytest.fixture(scope="module")
def regions_loaded(django_db_setup, django_db_blocker):
    """The shipped region tree for the tests of one module that need real codes; removed afterwards so that
    other modules start from an empty region table, as they expect."""
    from jiuzhu.core.models import Region
    from jiuzhu.core.regions import LEVEL_ORDER
    from jiuzhu.core.services import regions_load

    with django_db_blocker.unblock():
        regions_load()
    yield
    with django_db_blocker.unblock():
        # Children before parents (parent is PROTECT).
        for level in reversed(LEVEL_ORDER):
            Region.objects.filter(level=level).delete()


# The browser tests' shared fixtures and helpers (tests/browser.py) assert too: rewrite them as pytest rewrites a
# test module, so that a failing assert there reports its values. Must come before any test module imports them.
pytest.register_assert_rewrite("tests.browser")
