"""Inbound mattermost callbacks. (Stub: being written.)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/integrations/mattermost", tags=["integrations"])
