"""What a data package says about itself: the registry's version, the datasets behind it, its content hash.

The datasets' titles, versions, citations and licences come from the
manifest of the project's data folder (``data/manifest.json``), the one
``load_datasets`` reads.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from partnerships.services.datasets import DATA_DIR, ManifestError, read_manifest
from partnerships.services.importers import IMPORTERS
from partnerships.services.package_schema import PackageError


def registry_version() -> dict[str, str]:
    """Return the application's version (pyproject.toml) and the latest migration applied to this database."""
    with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    applied = MigrationRecorder(connection).applied_migrations()
    latest = max((name for app, name in applied if app == "partnerships"), default="")
    return {"version": version, "migration": f"partnerships.{latest}"}


def content_hash(files: Iterable[tuple[str, str]]) -> str:
    """Return the package's content hash from (path, SHA-256 of the file) pairs, in the resources' order.

    It is the SHA-256 of the lines ``<path> <sha256>``, so anyone can compute
    it again from the files: equal hashes, equal data.
    """
    digest = hashlib.sha256()
    for path, sha256 in files:
        digest.update(f"{path} {sha256}\n".encode())
    return f"sha256:{digest.hexdigest()}"


def describe_datasets(names: Iterable[str], *, data_dir: Path | None = None) -> tuple[list[dict], list[dict]]:
    """Return the package's ``sources`` and ``licenses`` for the datasets ``names`` (in name order).

    A dataset the project ships is described by its entry in ``data/manifest.json``
    (matched by its importer's dataset name: the countries importer's records say
    ``iso-3166``); any other (records written by hand, or imported from a file
    the project does not ship) by its name alone.
    """
    try:
        shipped = read_manifest(data_dir or DATA_DIR)
    except ManifestError as exc:
        raise PackageError(f"The datasets' sources cannot be read: {exc}") from exc
    by_name = {IMPORTERS[dataset.kind].dataset: dataset for dataset in shipped}
    sources: list[dict[str, Any]] = []
    licences: list[dict[str, Any]] = []
    for name in sorted(set(names) - {""}):
        dataset = by_name.get(name)
        if dataset is None:
            sources.append({"dataset": name, "title": name})
            continue
        sources.append(
            {
                "dataset": name,
                "title": dataset.title,
                "path": dataset.source_url,
                "version": dataset.version,
                "citation": dataset.citation,
            }
        )
        licences.append({**dataset.licence, "scope": name})
    return sources, _merged_licences(licences)


def _merged_licences(licences: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return one entry per licence, with the datasets it covers in its ``datasets`` list."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for licence in licences:
        key = (licence.get("name", ""), licence.get("title", ""), licence.get("path", ""))
        entry = merged.setdefault(key, {k: v for k, v in licence.items() if k != "scope"} | {"datasets": []})
        entry["datasets"].append(licence["scope"])
    return list(merged.values())
