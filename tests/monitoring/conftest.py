"""Monitoring tests: the staff and standards of the case tests, and small populations and feeds."""
from tests.cases.conftest import staff, standards  # noqa: F401  (fixtures shared with the case tests)
