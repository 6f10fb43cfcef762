"""Staleness made visible: the API tables must have synced within the expected interval."""

import warnings
from datetime import timedelta

import dagster as dg

from pipeline.ingest.assets import TABLES

# The schedule syncs hourly; two hours without a sync means at least one was missed.
EXPECTED_SYNC_INTERVAL = timedelta(hours=2)

# Dagster 1.13 marks freshness checks as superseded by FreshnessPolicy. We keep the checks on
# purpose: they are asset checks, so a stale warehouse fails a check that alerts, CLI runs and
# tests can see, where a policy is only evaluated by the daemon. The warning says nothing new.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=dg.SupersessionWarning)
    freshness_checks = dg.build_last_update_freshness_checks(
        assets=[dg.AssetKey(name) for name in TABLES], lower_bound_delta=EXPECTED_SYNC_INTERVAL
    )
    # Evaluates the checks on its own, so a sync that never ran is flagged, not just a late one.
    freshness_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks,
        name="meibel_freshness",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
