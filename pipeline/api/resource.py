"""The Meibel API as a Dagster resource: key read at run time from the environment."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg
from pydantic import Field

from pipeline.api.client import PRODUCTION_BASE_URL, ClientConfig, MeibelClient
from pipeline.api.retries import RetryPolicy


class MeibelApiResource(dg.ConfigurableResource):  # type: ignore[type-arg]
    """Where the Meibel API is and how hard to push it."""

    base_url: str = Field(default=PRODUCTION_BASE_URL, description="API base URL, up to /v2.")
    api_key: str = Field(description="Sent as the Meibel-API-Key header; set with an EnvVar.")
    max_in_flight: int = Field(default=8, description="Requests in flight at once.")
    timeout_s: float = Field(default=30.0, description="Timeout of one request, in seconds.")
    max_attempts: int = Field(default=6, description="Attempts per request, retries included.")
    deadline_s: float = Field(default=120.0, description="Longest a request may keep retrying.")

    def client(
        self, max_requests: int | None = None, sharers: Callable[[], int] | None = None
    ) -> MeibelClient:
        """A client for one sync; `max_requests` caps what that sync may spend, `sharers` says
        how many clients split the key's rate limit at the moment."""
        return MeibelClient(
            ClientConfig(
                base_url=self.base_url,
                api_key=self.api_key,
                max_in_flight=self.max_in_flight,
                timeout_s=self.timeout_s,
                retry=RetryPolicy(max_attempts=self.max_attempts, deadline_s=self.deadline_s),
                max_requests=max_requests,
                sharers=sharers,
            )
        )
