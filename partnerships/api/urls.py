"""URLs of the REST API, mounted at /api/v1/ in the ``api`` namespace."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import DefaultRouter

from partnerships.api import views
from partnerships.api.dyads import DyadView
from partnerships.api.network import NetworkView
from partnerships.api.partners import PartnersView
from partnerships.api.scorecards import (
    AgreementScorecardView,
    NationScorecardView,
    ProgramScorecardView,
    SeriesScorecardView,
    SurveyUploadView,
)
from partnerships.api.strength import StrengthView

app_name = "api"

router = DefaultRouter()
router.register("nations", views.NationViewSet)
router.register("organizations", views.OrganizationViewSet)
router.register("memberships", views.MembershipViewSet)
router.register("programs", views.ProgramViewSet)
router.register("agreements", views.AgreementViewSet)
router.register("exercises", views.ExerciseViewSet)
router.register("resources", views.ResourceSharingViewSet)
router.register("assessments", views.AssessmentViewSet)
router.register("measurements", views.MeasurementViewSet)
router.register("findings", views.FindingViewSet)
router.register("assessment-challenges", views.AssessmentChallengeViewSet)
router.register("indicators", views.IndicatorViewSet)
router.register("challenge-types", views.ChallengeTypeViewSet)

urlpatterns = [
    path("network/", NetworkView.as_view(), name="network"),
    path("dyads/", DyadView.as_view(), name="dyads"),
    path("strength/", StrengthView.as_view(), name="strength"),
    path("partners/", PartnersView.as_view(), name="partners"),
    path("scorecards/programs/<str:key>/", ProgramScorecardView.as_view(), name="scorecard-program"),
    path("scorecards/agreements/<str:key>/", AgreementScorecardView.as_view(), name="scorecard-agreement"),
    path("scorecards/series/<str:key>/", SeriesScorecardView.as_view(), name="scorecard-series"),
    path("scorecards/nations/<str:key>/", NationScorecardView.as_view(), name="scorecard-nation"),
    path("assessments/<str:pk>/survey/", SurveyUploadView.as_view(), name="assessment-survey"),
    *router.urls,
]
