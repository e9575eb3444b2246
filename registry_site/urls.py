"""Top-level URL configuration."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Partnership Program Registry"
admin.site.site_title = "Partnership Registry admin"
admin.site.index_title = "Registry records"

urlpatterns = [
    path("admin/", admin.site.urls),
    # The analyst pages arrive with their own issue; until then the admin is the front door.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
