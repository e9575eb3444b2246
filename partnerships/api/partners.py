"""``/api/v1/partners/``: a nation's partners on a day or in a year, with the records behind each link."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerships.api.filtering import refuse_blank_values
from partnerships.choices import Provision, Region
from partnerships.filters.analysis import ORDERING_CHOICES, PartnersQuery
from partnerships.filters.base import NATION_CODE_PATTERN
from partnerships.services import partners as partnering
from partnerships.services.answer_cache import cached_answer
from partnerships.services.links_between import LINK_KINDS

DESCRIPTION = (
    "The partner nations of `nation` on a day (`on`, default today) or in a year (`year`: any time in it), "
    "each with the agreements, exercises and transfers behind the link. Agreements: in force, both nations "
    "parties (organizations count as their nation); `provision` keeps those giving one of the obligations "
    "(each party's own, or the agreement's). Exercises: started in the year, or with `on` in the "
    "`exercise_years` years up to the day. Transfers: under way, either way. An agreement known only from "
    "a dataset that ended before the date is listed under `last_known` and not counted unless `extend_open`. "
    "With `since` (a day or a year), `gained` and `lost` name the partners that changed."
)

NATION = {
    "id": serializers.IntegerField(),
    "name": serializers.CharField(),
    "iso3": serializers.CharField(allow_null=True),
    "cow_code": serializers.IntegerField(allow_null=True),
    "region": serializers.CharField(allow_null=True),
    "url": serializers.CharField(),
}
RECORD = {
    "id": serializers.IntegerField(),
    "label": serializers.CharField(),
    "url": serializers.CharField(),
    "provisions": serializers.ListField(child=serializers.CharField(), required=False),
    "last_known": serializers.CharField(required=False),
    "start_date": serializers.DateField(required=False, allow_null=True),
    "end_date": serializers.DateField(required=False, allow_null=True),
    "direction": serializers.ChoiceField(choices=["to", "from"], required=False),
    "quantity_delivered": serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True),
    "tiv_total": serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True),
}


# Each component is made once and reused, so that the schema has one of each name.
PARTNER_NATION = inline_serializer("PartnerNation", NATION)
PARTNER_RECORDS = inline_serializer("PartnerRecord", RECORD, many=True)
PARTNER = inline_serializer(
    "Partner",
    {
        "nation": PARTNER_NATION,
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "deepest_obligation": serializers.ChoiceField(choices=Provision.choices, allow_null=True),
        "provisions": serializers.ListField(child=serializers.CharField()),
        "agreements": PARTNER_RECORDS,
        "exercises": PARTNER_RECORDS,
        "transfers": PARTNER_RECORDS,
    },
    many=True,
)
CHANGE = inline_serializer(
    "PartnerChange", {"nation": PARTNER_NATION, "records": PARTNER_RECORDS}, many=True, required=False
)


class PartnersView(APIView):
    """A nation's partners on a day or in a year, over the records the caller may see."""

    supports_rendering_parameters = False

    @extend_schema(
        description=DESCRIPTION,
        parameters=[
            OpenApiParameter(
                "nation",
                {"type": "string", "pattern": NATION_CODE_PATTERN},
                required=True,
                description="ISO alpha-2/alpha-3 (USA), cow:NUMBER, cow:ABBR or id.",
            ),
            OpenApiParameter("on", OpenApiTypes.DATE, description="A day; default today unless year is given."),
            OpenApiParameter(
                "year", {"type": "integer", "minimum": 1, "maximum": 9998}, description="A year instead of a day."
            ),
            OpenApiParameter(
                "since",
                {"type": "string", "pattern": r"^\d{4}(-\d{2}-\d{2})?$"},
                description="A day or a year: also list the partners gained and lost since.",
            ),
            OpenApiParameter(
                "kind",
                {"type": "array", "items": {"type": "string", "enum": list(LINK_KINDS)}},
                explode=True,
                description="Link kinds (repeat); all by default.",
            ),
            OpenApiParameter(
                "provision",
                {"type": "array", "items": {"type": "string", "enum": Provision.values}},
                explode=True,
                description="Only agreements giving one of these, and the partners they link.",
            ),
            OpenApiParameter("region", {"type": "string", "enum": Region.values}, description="The partners' region."),
            OpenApiParameter(
                "exercise_years",
                {"type": "integer", "minimum": 1, "maximum": 100},
                description="With on: exercises that started in this many years up to the day (default 5).",
            ),
            OpenApiParameter(
                "extend_open",
                OpenApiTypes.BOOL,
                description="Count agreements past their dataset's end (open then) as in force.",
            ),
            OpenApiParameter(
                "ordering",
                {"type": "string", "enum": [v for v, _ in ORDERING_CHOICES]},
                description="name, agreements, exercises, transfers, depth; - first reverses.",
            ),
        ],
        responses=inline_serializer(
            "Partners",
            {
                "nation": PARTNER_NATION,
                "on": serializers.DateField(allow_null=True),
                "year": serializers.IntegerField(allow_null=True),
                "kinds": serializers.ListField(child=serializers.ChoiceField(choices=LINK_KINDS)),
                "exercise_years": serializers.IntegerField(allow_null=True),
                "count": serializers.IntegerField(),
                "partners": PARTNER,
                "last_known": inline_serializer(
                    "PartnerLastKnown",
                    {"nation": PARTNER_NATION, "agreement": inline_serializer("PartnerRecordOne", RECORD)},
                    many=True,
                ),
                "since": serializers.CharField(required=False, help_text="With since: the day or year compared."),
                "gained": CHANGE,
                "lost": CHANGE,
            },
        ),
    )
    def get(self, request: Request) -> Response:
        unknown = sorted(set(request.query_params) - set(PartnersQuery.base_fields) - {"format"})
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        refuse_blank_values(request)
        params = request.query_params.copy()
        params.pop("format", None)
        form = PartnersQuery(params, user=request.user)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        options = form.options()
        nation = form.cleaned_data["nation"]
        window = form.window(timezone.localdate())
        since_window = form.cleaned_data.get("since_window")
        question = {
            "nation": nation,
            "window": window,
            "since_window": since_window,
            "options": options,
            # The answer names records by absolute URL.
            "root": request.build_absolute_uri("/"),
        }
        data = cached_answer(
            view="api-partners",
            params=question,
            user=request.user,
            compute=lambda: self.answer(request, nation=nation, window=window, since_window=since_window, **options),
        )
        return Response(data)

    @staticmethod
    def answer(
        request: Request,
        *,
        nation: int,
        window: partnering.Window,
        since_window: partnering.Window | None,
        **options: Any,
    ) -> dict[str, Any]:
        """Return the response's data: the partners in ``window`` and, with ``since_window``, those gained and lost."""
        table = partnering.partners(user=request.user, nation_id=nation, window=window, **options)
        data = partnering.as_json(table, absolute=request.build_absolute_uri)
        if since_window is not None:
            before = partnering.partners(user=request.user, nation_id=nation, window=since_window, **options)
            changes = partnering.gained_and_lost(before=before, after=table)
            data["since"] = before.window.label
            for key, items in changes.items():
                data[key] = [
                    {
                        "nation": partnering.nation_json(change.nation, request.build_absolute_uri),
                        "records": [
                            partnering.record_json(link, request.build_absolute_uri) for link in change.records
                        ],
                    }
                    for change in items
                ]
        return data
