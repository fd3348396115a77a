from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.language import set_language
from analytics import api as analytics_api
from reporting.api import urls as reporting_api
from reporting.views.home import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("accounts/", include("accounts.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("records/", include("reporting.urls")),
    path("analytics/", include("analytics.urls")),
    # One API namespace from both apps (reporting must not import analytics); reporting's routes end
    # with the catch-all JSON 404, so they come last.
    path("api/v1/", include((analytics_api.urlpatterns + reporting_api.urlpatterns, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# A database restarting answers 503 with Retry-After, not a bare 500 (config/errors.py).
handler500 = "config.errors.server_error"
# The site's error pages in its layout and the reader's language; /api/ keeps its own answers.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
