"""The browsable API, allowed the inline styles of DRF's page under the content security policy."""

from __future__ import annotations

from typing import Any

from csp.constants import UNSAFE_INLINE
from rest_framework.renderers import BrowsableAPIRenderer


class RegistryBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's HTML view of the API; its template carries a <style> element, so its pages may use inline styles."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}
        return super().render(data, accepted_media_type, renderer_context)
