"""Start-up checks of policy configuration (Django system checks)."""
from django.core.checks import Warning, register
from django.db import DatabaseError


@register("policy", deploy=False)
def standards_in_force(app_configs, **kwargs):
    """policy.W001: a county with households but no dibao standard of its own (it inherits a default)."""
    from django.utils import timezone

    from jiuzhu.policy.models import ParameterValue

    messages = []
    try:
        from jiuzhu.registry.models import Household

        counties = {code[:6] for code in Household.objects.values_list("region_id", flat=True).distinct()[:5000]}
        if not counties:
            return messages
        today = timezone.localdate()
        with_values = set(
            ParameterValue.objects.filter(name="dibao_standard_rural", effective_from__lte=today)
            .values_list("region_code", flat=True)
        )
        for county in sorted(counties):
            chain = {county.ljust(12, "0"), county[:4].ljust(12, "0"), county[:2].ljust(12, "0")}
            if not chain & with_values:
                messages.append(Warning(
                    f"County {county} has households but no dibao standard of its own, its prefecture's or its "
                    "province's; it inherits the national reference value.",
                    hint="Enter the local standards (jiuzhu policy set …, or the policy pages).",
                    id="policy.W001",
                ))
    except DatabaseError:
        # Tables not migrated yet: nothing to check.
        return messages
    return messages
