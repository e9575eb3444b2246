"""``/api/v1/network/``: the partnership graph as JSON, for the network page and for other systems."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerships.api.filtering import refuse_blank_values
from partnerships.choices import Provision, Region
from partnerships.filters.base import NATION_CODE_PATTERN, resolve_nation_code
from partnerships.models import Nation
from partnerships.services.answer_cache import cached_answer
from partnerships.services.network import HUB_KIND, LINK_KINDS, MAX_DEPTH, build_network

PARAMETERS = {
    "kind",
    "as_of",
    "program",
    "region",
    "exercise_years",
    "focus",
    "depth",
    "limit",
    "provision",
    "hubs",
    "last_known",
    "outside",
    "format",
}
REPEATED = ("kind", "provision")


class NetworkQuerySerializer(serializers.Serializer):
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=LINK_KINDS),
        required=False,
        help_text="Link kinds to include (repeat the parameter); all by default.",
    )
    as_of = serializers.DateField(
        required=False, help_text="Agreements in force and flows under way on this date; exercises of the years before."
    )
    program = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        help_text="Program id: only its records (none for a program you may not see or that does not exist).",
    )
    region = serializers.ChoiceField(
        choices=Region.choices,
        required=False,
        help_text=(
            "Links with at least one end in the region: its nations and the partners elsewhere they link to "
            "(nodes marked outside_region). With focus: only partners in the region (and organizations)."
        ),
    )
    focus = serializers.RegexField(
        NATION_CODE_PATTERN,
        required=False,
        help_text=(
            "The focused view: this nation (ISO alpha-2/alpha-3 code, cow:NUMBER, cow:ABBREVIATION or id), "
            "its partners and, with depth=2, theirs. Read from the focus's records only."
        ),
    )
    depth = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DEPTH,
        default=1,
        help_text="With focus: 1 partners, 2 partners of partners.",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=1000,
        help_text=(
            "With focus: the strongest partners kept at each step. Without: the strongest links kept. "
            "Strength: the records behind a link, weighed by obligation depth (defense 4, neutrality or "
            "non-aggression 3, consultation 2, other 1), exercises 2/participants, flows 0.5."
        ),
    )
    provision = serializers.ListField(
        child=serializers.ChoiceField(choices=Provision.choices),
        required=False,
        help_text="Agreements binding a party to one of these obligations (repeat); exercises and flows then left out.",
    )
    hubs = serializers.IntegerField(
        required=False,
        min_value=2,
        max_value=10000,
        help_text=(
            "A record with more actors than this is one hub node linked to each of its actors (links of kind "
            "'member') instead of a link between every pair. Left out: every pair (as before). The page uses 6. "
            "Given (or with focus), a nation's own organizations count as the nation."
        ),
    )
    exercise_years = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        default=5,
        help_text="With as_of: exercises that started in this many years before it.",
    )
    last_known = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "With as_of: also draw agreements known only from a dataset that ends before as_of and were open "
            "then (their status later is unknown); links count them in last_known. Left out: not drawn, as the "
            "dyad table stops them at the dataset's end."
        ),
    )
    outside = serializers.BooleanField(
        required=False,
        default=True,
        help_text=(
            "With region (no focus): keep the partners outside the region its nations link to (default); "
            "false: only links between the region's own nations (and multinational organizations)."
        ),
    )


NODE_FIELDS = {
    "id": serializers.CharField(
        help_text="n<id> for nations, o<id> for organizations, ha<id>/he<id> for agreement/exercise hubs"
    ),
    "kind": serializers.ChoiceField(choices=["nation", "organization", "hub"]),
    "label": serializers.CharField(),
    "code": serializers.CharField(),
    "region": serializers.CharField(allow_null=True),
    "url": serializers.CharField(),
    "degree": serializers.IntegerField(),
    "weight": serializers.FloatField(help_text="Sum of the weights of the node's links shown"),
    "level": serializers.IntegerField(required=False, help_text="With focus: 0 the focus, 1 partners, 2 theirs"),
    "outside_region": serializers.BooleanField(required=False, help_text="With region: a partner outside it"),
    "record_kind": serializers.ChoiceField(choices=LINK_KINDS, required=False, help_text="Hubs: the record's kind"),
    "parties": serializers.IntegerField(required=False, help_text="Hubs: its actors the caller may see"),
}
LINK_FIELDS = {
    "source": serializers.CharField(),
    "target": serializers.CharField(),
    "kind": serializers.ChoiceField(choices=[*LINK_KINDS, HUB_KIND], help_text="member: an actor of a hub"),
    "count": serializers.IntegerField(),
    "weight": serializers.FloatField(),
    "last_known": serializers.IntegerField(help_text="Records behind the link whose status on as_of is last known"),
    "records": inline_serializer(
        "NetworkLinkRecord", {"label": serializers.CharField(), "url": serializers.CharField()}, many=True
    ),
}


class NetworkView(APIView):
    """The graph of who cooperates with whom, over the records the caller may see."""

    supports_rendering_parameters = False

    @extend_schema(
        # The parameters as the serializer that reads them declares them: bounds included.
        parameters=[NetworkQuerySerializer],
        responses=inline_serializer(
            "Network",
            {
                "as_of": serializers.DateField(allow_null=True),
                "nodes": inline_serializer("NetworkNode", NODE_FIELDS, many=True),
                "links": inline_serializer("NetworkLink", LINK_FIELDS, many=True),
                "counts": serializers.DictField(child=serializers.IntegerField()),
                "partners": serializers.DictField(
                    child=serializers.IntegerField(),
                    required=False,
                    help_text="With focus: partners found at each step (level), before limit",
                ),
                "links_before_limit": serializers.IntegerField(
                    required=False, help_text="Without focus, with limit: the links found before it"
                ),
            },
        ),
    )
    def get(self, request: Request) -> HttpResponse:
        unknown = sorted(set(request.query_params) - PARAMETERS)
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        refuse_blank_values(request)
        data: dict[str, Any] = {
            key: request.query_params.get(key) for key in request.query_params if key not in (*REPEATED, "format")
        }
        for name in REPEATED:
            if name in request.query_params:
                data[name] = request.query_params.getlist(name)
        query = NetworkQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        focus = None
        if "focus" in params:
            try:
                # A nation the caller may not see is as unknown as a missing one.
                focus = resolve_nation_code(params["focus"], Nation.objects.visible_to(request.user)).pk
            except forms.ValidationError as error:
                raise ValidationError({"focus": error.messages}) from error
        question = {
            "kinds": tuple(params.get("kind") or LINK_KINDS),
            "as_of": params.get("as_of"),
            # One the caller may not see, or that does not exist, matches nothing (as ?program_id= on lists).
            "program_id": params.get("program"),
            "region": params.get("region"),
            "exercise_years": params["exercise_years"],
            "focus": focus,
            "depth": params["depth"],
            "limit": params.get("limit"),
            "provisions": tuple(params.get("provision") or ()),
            "hubs": params.get("hubs"),
            "last_known": params["last_known"],
            "outside": params["outside"],
        }
        renderer = request.accepted_renderer
        if isinstance(renderer, BrowsableAPIRenderer):
            return Response(build_network(user=request.user, **question))
        # A region's network is megabytes of JSON: kept rendered, as the renderer wrote it.
        body = cached_answer(
            view="api-network",
            params={**question, "media_type": request.accepted_media_type},
            user=request.user,
            compute=lambda: renderer.render(
                build_network(user=request.user, **question),
                request.accepted_media_type,
                self.get_renderer_context(),
            ),
        )
        charset = f"; charset={renderer.charset}" if renderer.charset else ""
        return HttpResponse(body, content_type=f"{renderer.media_type}{charset}")
