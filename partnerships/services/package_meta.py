"""What a data package says about itself: the registry's version, the datasets behind it, its content hash.

The datasets' titles, versions, citations and licences come from the
manifest of the project's data folder (``data/manifest.json``) when there is
one; for a dataset it does not describe, from :data:`KNOWN_DATASETS`.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from partnerships.services.package_schema import PackageError

# The datasets the importers read, by the name their source rows carry, for when the manifest lacks one.
KNOWN_DATASETS: dict[str, dict[str, Any]] = {
    "iso-3166": {
        "title": "ISO 3166 country codes (the datasets/country-codes collection)",
        "path": "https://github.com/datasets/country-codes",
        "licence": {
            "name": "ODC-PDDL-1.0",
            "title": "Open Data Commons Public Domain Dedication and License 1.0",
            "path": "https://opendatacommons.org/licenses/pddl/1-0/",
        },
    },
    "cow-states": {
        "title": "Correlates of War Project, State System Membership List",
        "version": "2016",
        "path": "https://correlatesofwar.org/data-sets/state-system-membership/",
        "citation": "Correlates of War Project. 2017. State System Membership List, v2016.",
        "licence": {"title": "Correlates of War Project terms of use", "path": "https://correlatesofwar.org/"},
    },
    "cow-alliances": {
        "title": "Correlates of War Formal Alliances",
        "version": "4.1",
        "path": "https://correlatesofwar.org/data-sets/formal-alliances/",
        "citation": "Gibler, Douglas M. 2009. International Military Alliances, 1648-2008. CQ Press.",
        "licence": {"title": "Correlates of War Project terms of use", "path": "https://correlatesofwar.org/"},
    },
    "atop": {
        "title": "Alliance Treaty Obligations and Provisions (ATOP)",
        "version": "4.01",
        "path": "http://www.atopdata.org/",
        "citation": "Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell, and Andrew G. Long. 2002. "
        "Alliance Treaty Obligations and Provisions, 1815-1944. International Interactions 28: 237-60.",
        "licence": {"title": "ATOP terms of use", "path": "http://www.atopdata.org/"},
    },
    "mme": {
        "title": "Multinational Military Exercises",
        "version": "7",
        "path": "https://doi.org/10.7910/DVN/KHFODX",
        "citation": "D'Orazio, Vito, and Kevin Galambos. Multinational Military Exercises, v7.",
        "licence": {
            "title": "Terms of use on the dataset's Dataverse page",
            "path": "https://doi.org/10.7910/DVN/KHFODX",
        },
    },
    "sipri": {
        "title": "SIPRI Arms Transfers Database",
        "path": "https://www.sipri.org/databases/armstransfers",
        "citation": "Stockholm International Peace Research Institute, SIPRI Arms Transfers Database.",
        "licence": {"title": "SIPRI terms of use", "path": "https://www.sipri.org/databases/armstransfers"},
    },
}
# The keys a manifest entry may name its dataset by.
IDENTITY_KEYS = ("dataset", "kind", "importer", "name", "id", "key", "slug")
LICENCE_KEYS = ("licence", "license", "licences", "licenses")
URL_KEYS = ("url", "homepage", "source_url", "source", "link")


def manifest_path() -> Path:
    return Path(settings.BASE_DIR) / "data" / "manifest.json"


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


def _manifest_entries(path: Path) -> list[dict[str, Any]]:
    """Return the manifest's dataset entries: a list, ``{"datasets": [...]}`` or a mapping by name; none without it.

    Raise PackageError when the manifest is not JSON.
    """
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{path}: not valid JSON ({exc}), so the datasets' sources cannot be read.") from exc
    if isinstance(data, dict):
        data = data.get("datasets", data)
    if isinstance(data, dict):
        return [{"key": key, **entry} for key, entry in data.items() if isinstance(entry, dict)]
    return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []


def _names_of(entry: dict[str, Any]) -> set[str]:
    """Return the dataset names a manifest entry answers to: its own, and its importer's dataset name."""
    from partnerships.services.importers import IMPORTERS

    names = {str(entry[key]) for key in IDENTITY_KEYS if isinstance(entry.get(key), str)}
    for name in list(names):
        importer = IMPORTERS.get(name)
        if importer is not None and getattr(importer, "dataset", None):
            names.add(importer.dataset)
    return names


def _licences_of(value: Any) -> list[dict[str, str]]:
    if value in (None, "", []):
        return []
    if isinstance(value, list):
        return [licence for item in value for licence in _licences_of(item)]
    if isinstance(value, str):
        # An SPDX-like identifier (ODC-PDDL-1.0) is a licence's name; anything else is its description.
        return [{"name": value} if " " not in value.strip() else {"title": value.strip()}]
    if isinstance(value, dict):
        licence = {key: str(value[key]) for key in ("name", "title", "path") if value.get(key)}
        if "path" not in licence and value.get("url"):
            licence["path"] = str(value["url"])
        return [licence] if licence else []
    return []


def describe_datasets(names: Iterable[str], *, manifest: Path | None = None) -> tuple[list[dict], list[dict]]:
    """Return the package's ``sources`` and ``licenses`` for the datasets ``names`` (in name order).

    Each dataset is described by its manifest entry when there is one, else
    by :data:`KNOWN_DATASETS`, else by its name alone.
    """
    entries = _manifest_entries(manifest or manifest_path())
    sources: list[dict[str, Any]] = []
    licences: list[dict[str, str]] = []
    for name in sorted(set(names) - {""}):
        entry = next((entry for entry in entries if name in _names_of(entry)), None)
        if entry is not None:
            source: dict[str, Any] = {"title": str(entry.get("title") or name)}
            url = next((entry[key] for key in URL_KEYS if isinstance(entry.get(key), str) and entry[key]), None)
            if url:
                source["path"] = url
            for key in ("version", "citation"):
                if entry.get(key):
                    source[key] = str(entry[key])
            found = _licences_of(next((entry[key] for key in LICENCE_KEYS if entry.get(key)), None))
        else:
            known = KNOWN_DATASETS.get(name, {})
            source = {"title": known.get("title", name)}
            source.update({key: known[key] for key in ("path", "version", "citation") if key in known})
            found = _licences_of(known.get("licence"))
        sources.append({"dataset": name, **source})
        for licence in found:
            licence = {**licence, "scope": name}
            licences.append(licence)
    return sources, _merged_licences(licences)


def _merged_licences(licences: list[dict[str, str]]) -> list[dict[str, str]]:
    """Return one entry per licence, with the datasets it covers in its ``datasets`` list."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for licence in licences:
        key = (licence.get("name", ""), licence.get("title", ""), licence.get("path", ""))
        entry = merged.setdefault(key, {k: v for k, v in licence.items() if k != "scope"} | {"datasets": []})
        entry["datasets"].append(licence["scope"])
    return list(merged.values())
