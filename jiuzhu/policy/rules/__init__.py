"""All rules, registered in the order of their modules (which is also the order of the explanation)."""
from jiuzhu.policy.rules import (  # noqa: F401  (importing registers the rules)
    household,
    supporters,
    extreme_poverty,
    dibao,
    marginal,
    rigid_expense,
    temporary,
    tier,
    review,
)
from jiuzhu.policy.rules.base import RULES, STAGES, Rule, rules_of  # noqa: F401
from jiuzhu.policy import rule_texts  # noqa: F401,E402  (the docstrings as translatable strings)
