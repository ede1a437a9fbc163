"""When a year's holiday notice is loaded, deadlines that were counted without it are counted again."""
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from jiuzhu.core.models import HolidayNotice


@receiver(post_save, sender=HolidayNotice, dispatch_uid="jiuzhu.cases.recount_deadlines")
def recount_deadlines_after_a_notice(sender, instance, **kwargs) -> None:
    from jiuzhu.cases.services import application_deadlines_recount

    transaction.on_commit(lambda: application_deadlines_recount(actor=instance.loaded_by))
