"""The deployment on paper (deploy/): every file parses and agrees with the code it deploys.

Offline: no cluster, no Docker daemon, no chart download. The chart's structure is checked
against the keys of its schema (helm/dagster/schema in dagster-io/dagster, release 1.13).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any
from unittest import mock

import dagster as dg
import pytest
import yaml
from dagster._config.field_utils import IntEnvVar
from pyiceberg.utils.config import Config

from pipeline import resources
from pipeline.definitions import build_definitions
from pipeline.orchestration.jobs import hourly_sync

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VALUES = DEPLOY / "helm" / "values.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"

# Top-level keys of the chart's values (DagsterHelmValues) and the parts this deployment sets.
CHART_TOP_LEVEL = {
    "global",
    "nameOverride",
    "fullnameOverride",
    "rbacEnabled",
    "imagePullSecrets",
    "dagsterWebserver",
    "dagster-user-deployments",
    "postgresql",
    "generatePostgresqlPasswordSecret",
    "generateCeleryConfigSecret",
    "rabbitmq",
    "redis",
    "flower",
    "ingress",
    "computeLogManager",
    "scheduler",
    "runLauncher",
    "pythonLogs",
    "dagsterDaemon",
    "busybox",
    "migrate",
    "telemetry",
    "serviceAccount",
    "retention",
    "concurrency",
    "additionalInstanceConfig",
    "extraManifests",
}
CHART_GLOBAL = {
    "postgresqlSecretName",
    "dagsterHome",
    "serviceAccountName",
    "celeryConfigSecretName",
    "dagsterInstanceConfigMap",
}
CHART_USER_DEPLOYMENTS = {"enabled", "enableSubchart", "imagePullSecrets", "deployments"}
CHART_USER_DEPLOYMENT = {
    "name",
    "image",
    "port",
    "dagsterApiGrpcArgs",
    "codeServerArgs",
    "includeConfigInLaunchedRuns",
    "env",
    "envConfigMaps",
    "envSecrets",
    "annotations",
    "nodeSelector",
    "affinity",
    "tolerations",
    "podSecurityContext",
    "securityContext",
    "resources",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "labels",
    "volumeMounts",
    "volumes",
    "schedulerName",
    "initContainers",
    "sidecarContainers",
    "deploymentNamespace",
    "deploymentStrategy",
}
CHART_POSTGRESQL = {
    "postgresqlScheme",
    "image",
    "enabled",
    "postgresqlHost",
    "postgresqlUsername",
    "postgresqlPassword",
    "postgresqlDatabase",
    "postgresqlParams",
    "service",
}
CHART_K8S_RUN_LAUNCHER = {
    "image",
    "imagePullPolicy",
    "jobNamespace",
    "loadInclusterConfig",
    "kubeconfigFile",
    "envConfigMaps",
    "envSecrets",
    "envVars",
    "volumeMounts",
    "volumes",
    "labels",
    "failPodOnRunFailure",
    "resources",
    "schedulerName",
    "securityContext",
    "runK8sConfig",
}
CHART_RUN_K8S_CONFIG = {
    "containerConfig",
    "podSpecConfig",
    "podTemplateSpecMetadata",
    "jobSpecConfig",
    "jobMetadata",
}
# Concurrency is `extra="forbid"` in the chart's schema: an unknown key fails `helm install`.
CHART_CONCURRENCY = {"enabled", "pools", "runs"}
CHART_POOLS = {"defaultLimit", "granularity", "opGranularityRunBuffer"}
CHART_RUNS = {"maxConcurrentRuns", "tagConcurrencyLimits"}
DOCKERFILE_INSTRUCTIONS = {
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
}


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = load(VALUES)
    return loaded


@pytest.fixture(scope="module")
def deployment(values: dict[str, Any]) -> dict[str, Any]:
    [only] = values["dagster-user-deployments"]["deployments"]
    found: dict[str, Any] = only
    return found


@pytest.fixture(scope="module")
def secrets() -> dict[str, dict[str, str]]:
    documents = list(yaml.safe_load_all((DEPLOY / "secret.example.yaml").read_text()))
    assert all(doc["kind"] == "Secret" and doc["apiVersion"] == "v1" for doc in documents)
    return {doc["metadata"]["name"]: doc["stringData"] for doc in documents}


def test_every_yaml_in_deploy_parses() -> None:
    files = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")])
    assert VALUES in files
    for path in files:
        documents = list(yaml.safe_load_all(path.read_text()))
        assert documents, path
        assert all(isinstance(doc, dict) for doc in documents), path


def test_the_helm_values_use_only_keys_the_chart_knows(values: dict[str, Any]) -> None:
    assert set(values) <= CHART_TOP_LEVEL
    assert set(values["global"]) <= CHART_GLOBAL
    user_deployments = values["dagster-user-deployments"]
    assert set(user_deployments) <= CHART_USER_DEPLOYMENTS
    for deployment in user_deployments["deployments"]:
        assert set(deployment) <= CHART_USER_DEPLOYMENT
        assert set(deployment["image"]) <= {"repository", "tag", "pullPolicy"}
        # The chart writes a dict of env to a ConfigMap: every value must be a string.
        assert all(isinstance(value, str) for value in deployment["env"].values())
        assert all(set(secret) == {"name"} for secret in deployment["envSecrets"])
    assert set(values["postgresql"]) <= CHART_POSTGRESQL
    concurrency = values["concurrency"]
    assert set(concurrency) <= CHART_CONCURRENCY
    assert set(concurrency["pools"]) <= CHART_POOLS
    assert set(concurrency["runs"]) <= CHART_RUNS
    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    assert set(launcher["config"]) == {"k8sRunLauncher"}
    assert set(launcher["config"]["k8sRunLauncher"]) <= CHART_K8S_RUN_LAUNCHER
    assert set(launcher["config"]["k8sRunLauncher"]["runK8sConfig"]) <= CHART_RUN_K8S_CONFIG


def test_the_user_deployment_serves_this_code_location(
    values: dict[str, Any], deployment: dict[str, Any]
) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert values["dagster-user-deployments"]["enabled"] is True
    assert deployment["codeServerArgs"] == ["-m", pyproject["tool"]["dagster"]["module_name"]]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert f"-p {deployment['port']}" in " ".join(dockerfile_cmd())


def test_dagster_keeps_its_state_in_the_external_postgres(
    values: dict[str, Any], secrets: dict[str, dict[str, str]]
) -> None:
    postgresql = values["postgresql"]
    assert postgresql["enabled"] is False
    assert postgresql["postgresqlHost"]
    assert postgresql["postgresqlScheme"] == operator_profile_scheme()
    assert values["generatePostgresqlPasswordSecret"] is False
    assert set(secrets[values["global"]["postgresqlSecretName"]]) == {"postgresql-password"}


def test_the_concurrency_limits_match_the_repository_instance(values: dict[str, Any]) -> None:
    root = load(ROOT / "dagster.yaml")["concurrency"]
    chart = values["concurrency"]
    assert chart["enabled"] is True
    assert chart["pools"] == {"defaultLimit": root["pools"]["default_limit"]}
    assert chart["runs"] == {"tagConcurrencyLimits": root["runs"]["tag_concurrency_limits"]}
    # The operator's instance profile for PostgreSQL keeps them too.
    assert load(DEPLOY / "dagster-postgres.yaml")["concurrency"] == root


def test_every_env_var_the_resources_read_reaches_the_pods(
    deployment: dict[str, Any], secrets: dict[str, dict[str, str]]
) -> None:
    read = resource_env_vars()
    assert {"MEIBEL_API_KEY", "MEIBEL_BASE_URL"} <= read
    provided = set(deployment["env"]) | {
        key for ref in deployment["envSecrets"] for key in secrets[ref["name"]]
    }
    assert read <= provided, read - provided


def test_secrets_stay_out_of_the_plain_values(
    deployment: dict[str, Any], secrets: dict[str, dict[str, str]]
) -> None:
    secret_keys = {key for ref in deployment["envSecrets"] for key in secrets[ref["name"]]}
    assert "MEIBEL_API_KEY" in secret_keys
    assert not secret_keys & set(deployment["env"])
    assert not any(re.search(r"SECRET|PASSWORD|API_KEY", name) for name in deployment["env"])
    # The example holds placeholders only, never a real credential.
    assert all("replace-me" in value for secret in secrets.values() for value in secret.values())


def test_the_target_is_iceberg_on_s3_with_the_k8s_executor(
    deployment: dict[str, Any], secrets: dict[str, dict[str, str]]
) -> None:
    env = deployment["env"]
    assert env["MEIBEL_WAREHOUSE_BACKEND"] == "iceberg"
    assert env["MEIBEL_EXECUTOR"] == "k8s"
    pod_env = dict(env)
    for ref in deployment["envSecrets"]:
        pod_env.update(secrets[ref["name"]])
    # pyiceberg itself, reading the pod's environment, finds the whole catalog.
    with mock.patch.dict(os.environ, pod_env):
        catalog = Config().get_catalog_config(env["MEIBEL_ICEBERG_CATALOG"])
    assert catalog is not None
    assert {
        "type",
        "uri",
        "warehouse",
        "s3.endpoint",
        "s3.access-key-id",
        "s3.secret-access-key",
    } <= set(catalog)
    assert str(catalog["warehouse"]).startswith("s3://")


def test_the_dockerfile_is_well_formed_and_installs_from_the_lock() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert {keyword for keyword, _ in instructions} <= DOCKERFILE_INSTRUCTIONS

    runs = [shlex.split(arguments) for keyword, arguments in instructions if keyword == "RUN"]
    dev_uv = re.search(r"^UV_VERSION=(\S+)$", (ROOT / "dev").read_text(), re.MULTILINE)
    assert dev_uv is not None
    assert any(f"uv=={dev_uv.group(1)}" in run for run in runs)

    groups = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"])
    syncs = [run for run in runs if run[:2] == ["uv", "sync"]]
    assert syncs
    for sync in syncs:
        assert "--locked" in sync
        assert "--no-dev" in sync
        wanted = {sync[i + 1] for i, arg in enumerate(sync) if arg == "--group"}
        assert wanted == groups - {"dev"}
    # The last sync installs the project itself.
    assert "--no-install-project" not in syncs[-1]

    copied = [
        Path(source)
        for keyword, arguments in instructions
        if keyword == "COPY"
        for source in shlex.split(arguments)[:-1]
    ]
    assert all((ROOT / source).exists() for source in copied)
    assert {Path("pipeline"), Path("sql"), Path("uv.lock")} <= {p for p in copied}

    assert dockerfile_cmd() == [
        "dagster",
        "code-server",
        "start",
        "-h",
        "0.0.0.0",  # noqa: S104 - the pod's port must be reachable from the webserver's
        "-p",
        "4000",
        "-m",
        "pipeline.definitions",
    ]


def test_the_readme_pins_the_chart_to_the_locked_dagster() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    [dagster_version] = [p["version"] for p in lock["package"] if p["name"] == "dagster"]
    readme = (DEPLOY / "README.md").read_text()
    # Every concrete chart version the README installs (NEW_VERSION is the upgrade's placeholder).
    pinned = set(re.findall(r"--version (\d\S*)", readme))
    assert pinned == {dagster_version}
    # The schedule the README has the operator turn on is the one the code location defines.
    assert f"schedule start {hourly_sync.name}" in readme


def test_the_sensor_and_schedules_the_readme_starts_exist_on_iceberg() -> None:
    readme = (DEPLOY / "README.md").read_text()
    started = re.findall(r"(sensor|schedule) start (\w+)", readme.split("## 2. Kubernetes")[1])
    assert {kind for kind, _ in started} == {"sensor", "schedule"}
    with mock.patch.dict(os.environ, {"MEIBEL_WAREHOUSE_BACKEND": "iceberg"}):
        defs = build_definitions()
    for kind, name in started:
        found = (
            defs.resolve_sensor_def(name) if kind == "sensor" else defs.resolve_schedule_def(name)
        )
        assert found.name == name


def dockerfile_instructions() -> list[tuple[str, str]]:
    # Joins continuation lines, drops comments and parser directives.
    logical = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in logical.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        keyword, _, arguments = stripped.partition(" ")
        assert keyword.isupper(), line
        instructions.append((keyword, arguments.strip()))
    return instructions


def dockerfile_cmd() -> list[str]:
    [cmd] = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "CMD"]
    parsed: list[str] = json.loads(cmd)
    return parsed


def operator_profile_scheme() -> str:
    scheme: str = load(DEPLOY / "dagster-postgres.yaml")["storage"]["postgres"]["postgres_db"][
        "scheme"
    ]
    return scheme


def resource_env_vars() -> set[str]:
    """Every EnvVar the shared resources can read, optional ones included."""

    class EveryVariableSet(dict[str, str]):
        # Optional settings become EnvVars only when their variable is set: claim all are.
        def __contains__(self, key: object) -> bool:
            return True

    with mock.patch.object(resources.os, "environ", EveryVariableSet(os.environ)):
        shared = resources.shared_resources().resources
    names = set()
    for resource in shared.values():
        for field in type(resource).model_fields:
            value = getattr(resource, field)
            if isinstance(value, dg.EnvVar | IntEnvVar):
                names.add(value.env_var_name)
    return names
