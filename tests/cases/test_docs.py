"""The workflow's documentation names every step of the state machine."""
from pathlib import Path

from jiuzhu.cases.workflow import TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "workflow.md"


def test_every_step_of_the_state_machine_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in TRANSITIONS if f"| `{name}` |" not in text]
    assert not missing, f"docs/workflow.md does not describe: {missing}"
