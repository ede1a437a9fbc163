"""The class of a dibao household for periodic review (RULES.md §2, review: stable households less often,
households with members able to work more often). The intervals are parameters read by the review scheduler
(payments.reviews); the class is decided here, from the same member facts as every other rule."""
import ibis
from django.utils.translation import gettext_lazy as _

from jiuzhu.policy.rules.base import rule
from jiuzhu.registry.choices import ReviewClass


@rule("review_steady_member", stage="person", label=_("Member whose situation is stable"), kind="condition",
      basis="dibao_review", explain=False)
def review_steady_member(c):
    """A counted member who is elderly, severely disabled or seriously ill."""
    return c.is_counted & (c.is_elderly | c.severely_disabled | c.serious_illness)


@rule("review_able_member", stage="person", label=_("Member able to work"), kind="condition",
      basis="dibao_review", explain=False)
def review_able_member(c):
    """A counted member of working age with full or partial labour capacity who is neither severely disabled
    nor seriously ill."""
    return (c.is_counted & ~c.is_minor & ~c.is_elderly & (c.labour_capacity != "none") & ~c.severely_disabled
            & ~c.serious_illness)


@rule("review_steady_members", stage="household_agg", label=_("Members whose situation is stable"),
      kind="count", basis="dibao_review", explain=False)
def review_steady_members(c):
    """Counted members who are elderly, severely disabled or seriously ill."""
    return c.review_steady_member.cast("int64").sum()


@rule("review_able_members", stage="household_agg", label=_("Members able to work"), kind="count",
      basis="dibao_review", explain=False)
def review_able_members(c):
    """Counted members of working age able to work."""
    return c.review_able_member.cast("int64").sum()


@rule("review_class", stage="household", label=_("Class for periodic review"), basis="dibao_review")
def review_class(c):
    """Stable when every counted member is elderly, severely disabled or seriously ill; changing when a counted
    member of working age is able to work; ordinary otherwise. The region sets how often each class of dibao
    household is reviewed."""
    stable = (c.counted_members > 0) & (c.review_steady_members == c.counted_members)
    return ibis.cases((stable, ReviewClass.STABLE.value), (c.review_able_members > 0, ReviewClass.CHANGING.value),
                      else_=ReviewClass.ORDINARY.value)
