"""Feed sources (a department's file layout and its column mapping) are configuration, kept in the admin.
Batches, warnings and tasks hold personal data: they are read on the pages, through the selectors."""
from django.contrib import admin

from jiuzhu.monitoring.models import FeedSource


@admin.register(FeedSource)
class FeedSourceAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "feed_type", "region")
    list_filter = ("department", "feed_type")
    search_fields = ("name",)
