"""Code lists and the policy in the admin. Incident data is not here: the admin would bypass the
reciprocity rule (docs/reciprocity.md), so records are read only through the site's views."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reporting.models import BorderCrossingPoint, ExchangeRate


@admin.register(BorderCrossingPoint)
class BorderCrossingPointAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "participant", "mode", "is_active"]
    list_filter = ["mode", "participant", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    list_display = ["currency", "month", "usd_per_unit"]
    list_filter = ["currency"]
    date_hierarchy = "month"
