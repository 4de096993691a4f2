"""For the command-centre tests: a service on the public status page, on top of the test
organisation, so that stage moves propose status-page drafts."""

from __future__ import annotations

STORE_KEY = "fedcba9876543210fedcba9876543210"
"""The Events v2 routing key of Storefront, the service on the status page."""

STATUS_ORG = f"""
services:
  - name: Storefront
    escalation_policy: Payments default
    status_page: {{name: Shop, components: [Basket, Search]}}
    integrations: [{{type: events_v2, key: {STORE_KEY}}}]
"""
