"""URLs of the REST API, mounted at /api/v1/ in the ``api`` namespace."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from partnerships.api import views
from partnerships.api.dyads import DyadView
from partnerships.api.network import NetworkView

app_name = "api"

router = DefaultRouter()
router.register("nations", views.NationViewSet)
router.register("organizations", views.OrganizationViewSet)
router.register("memberships", views.MembershipViewSet)
router.register("programs", views.ProgramViewSet)
router.register("agreements", views.AgreementViewSet)
router.register("exercises", views.ExerciseViewSet)
router.register("resources", views.ResourceSharingViewSet)

urlpatterns = [
    path("network/", NetworkView.as_view(), name="network"),
    path("dyads/", DyadView.as_view(), name="dyads"),
    *router.urls,
]
