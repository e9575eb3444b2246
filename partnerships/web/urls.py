"""URLs of the analyst pages, in the ``partnerships`` namespace."""

from __future__ import annotations

from django.urls import path

from partnerships.web import analysis, personal, scorecards, strength, views
from partnerships.web.lists import LIST_PAGES

app_name = "partnerships"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("network/", views.NetworkView.as_view(), name="network"),
    path("timeline/", views.TimelineView.as_view(), name="timeline"),
    path("partners/", analysis.PartnersView.as_view(), name="partners"),
    path("compare/", analysis.CompareView.as_view(), name="compare"),
    path("dyads/", analysis.DyadsView.as_view(), name="dyads"),
    path("strength/", strength.StrengthPage.as_view(), name="strength"),
    path("suggest/actors/", personal.ActorSuggestionsView.as_view(), name="suggest-actors"),
    path("saved-searches/<int:pk>/delete/", personal.SavedSearchDeleteView.as_view(), name="saved-search-delete"),
    path("lists/<str:key>/columns/reset/", personal.ColumnsResetView.as_view(), name="list-columns-reset"),
]
for key, page in LIST_PAGES.items():
    urlpatterns += [
        path(f"{page.plural}/", views.RecordListView.as_view(), {"key": key}, name=f"{key}-list"),
        path(f"{page.plural}/<int:pk>/", views.RecordDetailView.as_view(), {"key": key}, name=f"{key}-detail"),
    ]
urlpatterns += [
    path("programs/<int:key>/scorecard/", scorecards.ProgramScorecardPage.as_view(), name="scorecard-program"),
    path("agreements/<int:key>/scorecard/", scorecards.AgreementScorecardPage.as_view(), name="scorecard-agreement"),
    path("exercises/series/<str:key>/scorecard/", scorecards.SeriesScorecardPage.as_view(), name="scorecard-series"),
    path("nations/<str:key>/scorecard/", scorecards.NationScorecardPage.as_view(), name="scorecard-nation"),
    path("nations/<str:code>/", views.NationByCodeView.as_view(), name="nation-code"),
]
