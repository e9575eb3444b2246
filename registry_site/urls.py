"""Top-level URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from partnerships.api.docs import redoc_bundle

admin.site.site_header = "Partnership Program Registry"
admin.site.site_title = "Partnership Registry admin"
admin.site.index_title = "Registry records"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("partnerships.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/docs/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/docs/redoc-dist/bundles/redoc.standalone.js", redoc_bundle, name="api-redoc-bundle"),
    # The analyst pages arrive with their own issue; until then the admin is the front door.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
