"""The admin's upload page: the same importers as ``manage.py import_data``, for staff in a browser."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from partnerships.choices import Visibility
from partnerships.models import can_view_restricted
from partnerships.services.importers import IMPORTERS, ImportAborted
from partnerships.services.importers.sipri import REGISTER_NAME

# What each importer may create or change, as "<model>" permission suffixes.
WRITES = {
    "countries": ("nation",),
    "cow-states": ("nation",),
    "cow-alliances": ("agreement", "agreementparty"),
    "atop": ("agreement", "agreementparty"),
    "mme": ("exercise", "exerciseparticipant"),
    "sipri": ("resourcesharing",),
    "records": ("nation", "organization", "membership", "program", "agreement", "exercise", "resourcesharing"),
}
MAX_UPLOAD = 50 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[(kind, f"{kind}: {imp.description}") for kind, imp in IMPORTERS.items()])
    file = forms.FileField(
        help_text="A CSV file (or JSON for records). For ATOP, upload the alliance-level file and "
        "the member-level file together below."
    )
    second_file = forms.FileField(required=False, label="ATOP member-level file")
    dry_run = forms.BooleanField(required=False, initial=True, help_text="Report what would change; write nothing.")
    skip_invalid = forms.BooleanField(
        required=False, help_text="Import the valid rows even if some are rejected (they are listed below)."
    )
    visibility = forms.ChoiceField(choices=Visibility.choices, initial=Visibility.PUBLIC)
    encoding = forms.CharField(required=False, help_text="Leave empty to detect UTF-8 or Windows-1252.")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file is larger than 50 MB; import it with manage.py import_data.")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "atop" and not data.get("second_file"):
            self.add_error("second_file", "ATOP needs its member-level file too.")
        return data


def import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    report = error = None
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        missing = [
            f"{verb} {model}"
            for model in WRITES[kind]
            for verb in ("add", "change")
            if not request.user.has_perm(f"partnerships.{verb}_{model}")
        ]
        if missing:
            raise PermissionDenied(f"Importing {kind} needs the permissions to {', '.join(missing)}.")
        if form.cleaned_data["visibility"] != Visibility.PUBLIC and not can_view_restricted(request.user):
            raise PermissionDenied("Only users who may see restricted records may import them.")
        with tempfile.TemporaryDirectory() as folder:
            if kind == "atop":
                from partnerships.services.importers.atop import ALLIANCE_FILE, MEMBER_FILE

                _store(form.cleaned_data["file"], Path(folder) / ALLIANCE_FILE)
                _store(form.cleaned_data["second_file"], Path(folder) / MEMBER_FILE)
                path = Path(folder)
            else:
                uploaded = Path(form.cleaned_data["file"].name)
                suffix = uploaded.suffix or ".csv"
                # An older SIPRI register's name says whose it is (us-trade-register.csv): it is kept.
                stem = uploaded.stem if kind == "sipri" and REGISTER_NAME.match(uploaded.stem) else "upload"
                path = Path(folder) / f"{stem}{suffix}"
                _store(form.cleaned_data["file"], path)
            try:
                report = IMPORTERS[kind](visibility=form.cleaned_data["visibility"], user=request.user).run(
                    path,
                    dry_run=form.cleaned_data["dry_run"],
                    skip_invalid=form.cleaned_data["skip_invalid"],
                    encoding=form.cleaned_data["encoding"] or None,
                )
            except ImportAborted as exc:
                error = f"{exc} Nothing was written."
    context = {
        **admin.site.each_context(request),
        "title": "Import a dataset",
        "form": form,
        "report": report,
        "outcomes": sorted({label for label, _ in report.outcomes} if report else set()),
        "error": error,
    }
    if report:
        context["rows"] = [
            (
                label,
                report.outcomes[(label, "created")],
                report.outcomes[(label, "updated")],
                report.outcomes[(label, "unchanged")],
                report.other_rows(label),
            )
            for label in context["outcomes"]
        ]
    return TemplateResponse(request, "admin/partnerships/import.html", context)


def _store(upload: Any, path: Path) -> None:
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
