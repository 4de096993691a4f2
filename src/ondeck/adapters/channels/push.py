"""Push to phones through ntfy's HTTP publish API, with action buttons.

(Stub: being written.)
"""

from __future__ import annotations

from ondeck.services.ports import Delivery, Page


class NtfyChannel:
    kind = "ntfy"

    def __init__(self, *, server_url: str, token: str, timeout: float) -> None:
        self._server = server_url

    def send(self, page: Page) -> Delivery:
        return Delivery(ok=False, permanent=True, detail="ntfy: not written yet")
