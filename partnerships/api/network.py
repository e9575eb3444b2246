"""``/api/v1/network/``: the partnership graph as JSON, for the network page and for other systems."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnerships.api.filtering import refuse_blank_values
from partnerships.choices import Region
from partnerships.services.network import LINK_KINDS, build_network


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
    region = serializers.ChoiceField(choices=Region.choices, required=False)
    exercise_years = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        default=5,
        help_text="With as_of: exercises that started in this many years before it.",
    )


NODE_FIELDS = {
    "id": serializers.CharField(help_text="n<id> for nations, o<id> for organizations"),
    "kind": serializers.ChoiceField(choices=["nation", "organization"]),
    "label": serializers.CharField(),
    "code": serializers.CharField(),
    "region": serializers.CharField(allow_null=True),
    "url": serializers.CharField(),
    "degree": serializers.IntegerField(),
}
LINK_FIELDS = {
    "source": serializers.CharField(),
    "target": serializers.CharField(),
    "kind": serializers.ChoiceField(choices=LINK_KINDS),
    "count": serializers.IntegerField(),
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
            },
        ),
    )
    def get(self, request: Request) -> Response:
        unknown = sorted(set(request.query_params) - {"kind", "as_of", "program", "region", "exercise_years", "format"})
        if unknown:
            raise ValidationError({name: ["Unknown query parameter."] for name in unknown})
        refuse_blank_values(request)
        data: dict[str, Any] = {key: request.query_params.get(key) for key in request.query_params if key != "kind"}
        data.pop("format", None)
        if "kind" in request.query_params:
            data["kind"] = request.query_params.getlist("kind")
        query = NetworkQuerySerializer(data=data)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        graph = build_network(
            user=request.user,
            kinds=tuple(params.get("kind") or LINK_KINDS),
            as_of=params.get("as_of"),
            # One the caller may not see, or that does not exist, matches nothing (as ?program_id= on lists).
            program_id=params.get("program"),
            region=params.get("region"),
            exercise_years=params["exercise_years"],
        )
        return Response(graph)
