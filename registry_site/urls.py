"""Top-level URL configuration."""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from partnerships.admin_import import import_view
from partnerships.api.docs import redoc_bundle
from registry_site import health

# The API documentation pages render with libraries that inject <style> elements
# (and ReDoc a blob: worker): their pages alone allow those.
docs_csp = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"], "img-src": ["blob:"]})

admin.site.site_header = "Partnership Program Registry"
admin.site.site_title = "Partnership Registry admin"
admin.site.index_title = "Registry records"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/import/", admin.site.admin_view(import_view), name="admin-import"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include("partnerships.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script.
    path("api/docs/", docs_csp(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("api/docs/redoc/", docs_csp(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
    path("api/docs/redoc-dist/bundles/redoc.standalone.js", redoc_bundle, name="api-redoc-bundle"),
    path("", include("partnerships.web.urls")),
]

# What Django itself refuses (a body over the limits, too many fields…), as JSON for the API or a page.
handler400 = "registry_site.errors.bad_request"
handler404 = "partnerships.web.errors.not_found"
handler500 = "partnerships.web.errors.server_error"
