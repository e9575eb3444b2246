"""The nation-or-organization reference shared by parties, participants and transfers.

Every link to an actor is two nullable foreign keys with a CHECK that exactly
one is set: referential integrity without a GenericForeignKey.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from partnerships.choices import Visibility
from partnerships.models.base import KeptForeignKey


def exactly_one_q(*fields: str) -> models.Q:
    """Return a Q true when exactly one of the nullable ``fields`` is set."""
    condition = models.Q()
    for chosen in fields:
        condition |= models.Q(**{f"{name}__isnull": name != chosen for name in fields})
    return condition


def actor_visible_q(nation: str = "nation", organization: str = "organization") -> models.Q:
    """Return a Q true when the nation or organization a row names is public.

    Written as "not one of the restricted ones" (a small hashed set) rather
    than by joining the actors' tables: the condition then costs the same
    whether a query reads fifty rows or a million, and needs no join.
    """
    restricted_nations = apps.get_model("partnerships", "Nation").objects.filter(visibility=Visibility.RESTRICTED)
    restricted_organizations = apps.get_model("partnerships", "Organization").objects.filter(
        visibility=Visibility.RESTRICTED
    )
    return ~models.Q(**{f"{nation}__in": restricted_nations.values("pk")}) & ~models.Q(
        **{f"{organization}__in": restricted_organizations.values("pk")}
    )


def actor_nation_field(actor: str = "") -> KeptForeignKey:
    """Return the column holding the nation a row's actor counts as, kept by the database.

    ``actor`` names the pair of keys it follows (``"provider_"`` for
    ``provider_nation`` / ``provider_organization``). The nation itself, or
    the nation of the organization; empty for a multinational organization or
    a non-state actor. Triggers (the ``actor_nation`` migration) set it on every insert and
    change of the pair, and follow an organization that moves to another
    nation, so "involving a nation" is one indexed column, not an ``OR``
    across a join. Not a constraint of its own: the keys it comes from are
    checked, and a nation named by either is protected from deletion.
    """
    side = actor.replace("_", " ")
    return KeptForeignKey(
        "partnerships.Nation",
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        editable=False,
        db_constraint=False,
        db_index=False,  # the indexes that read it lead with it and name what they serve
        related_name="+",
        help_text=(
            f"The nation the {side or 'actor '}counts as: the {side}nation, or the {side}organization's nation "
            "(empty for a multinational organization). Kept by the database, never set by hand."
        ),
    )


class ActorReference(models.Model):
    """Abstract: a row that names either a nation or an organization (exactly one)."""

    nation = models.ForeignKey(
        "partnerships.Nation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)s_set",
        related_query_name="%(class)s",
    )
    organization = models.ForeignKey(
        "partnerships.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="%(class)s_set",
        related_query_name="%(class)s",
    )
    actor_nation = actor_nation_field()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.actor)

    @property
    def actor(self) -> models.Model | None:
        """Return the nation or organization this row names."""
        return self.nation if self.nation_id is not None else self.organization

    @property
    def actor_key(self) -> tuple[str, int | None]:
        """Return ("nation", id) or ("organization", id), for comparing rows."""
        if self.nation_id is not None:
            return ("nation", self.nation_id)
        return ("organization", self.organization_id)
