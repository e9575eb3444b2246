"""Importers for the published datasets, one per KIND of ``manage.py import_data KIND PATH``."""

from __future__ import annotations

from partnerships.services.importers.alliances import CowAlliancesImporter
from partnerships.services.importers.atop import AtopImporter
from partnerships.services.importers.base import ImportAborted, Importer, ImportReport, RowRejected
from partnerships.services.importers.exercises import MmeImporter
from partnerships.services.importers.nations import CountriesImporter, CowStatesImporter
from partnerships.services.importers.records import RecordsImporter
from partnerships.services.importers.sipri import SipriImporter

IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer
    for importer in (
        CountriesImporter,
        CowStatesImporter,
        CowAlliancesImporter,
        AtopImporter,
        MmeImporter,
        SipriImporter,
        RecordsImporter,
    )
}

__all__ = ["IMPORTERS", "ImportAborted", "ImportReport", "Importer", "RowRejected"]
