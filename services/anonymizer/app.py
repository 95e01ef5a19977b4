"""The anonymizer service's ASGI app (`llm4gov serve anonymizer`)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from shared.app import create_service_app
from shared.audit import AuditLog
from shared.db import create_db_engine, init_db
from services.anonymizer.api import router
from services.anonymizer.crypto import OperatorKeys, load_master_key
from services.anonymizer.engine import PiiAnalyzer
from services.anonymizer.service import AnonymizerService
from services.anonymizer.settings import AnonymizerSettings
from services.anonymizer.vault import Vault

DESCRIPTION = """Detects personal data in Portuguese text (names, places, organizations, and Brazilian
identifiers: CPF, CNPJ including the alphanumeric format, RG, CNH, PIS, título de eleitor, CNS, CEP,
plates, CNJ case numbers, phones, e-mails...) and anonymizes texts or whole JSON documents.
Offsets are Unicode code-point offsets."""


def create_app(settings: AnonymizerSettings | None = None, analyzer: PiiAnalyzer | None = None) -> FastAPI:
    """Build the app; `analyzer` can be shared between apps in tests (it is read-only)."""
    settings = settings or AnonymizerSettings()
    options = settings.anonymizer
    engine = create_db_engine(settings.resolved_database_url())
    sessions = init_db(engine)
    secret = options.secret_key.get_secret_value() if options.secret_key else None
    keys = OperatorKeys.from_master(load_master_key(secret, settings.data_dir))
    analyzer = analyzer or PiiAnalyzer(options.ner_model_path, options.recognizers_config,
                                       options.score_threshold, options.nlp_batch_size,
                                       date_time_policy=options.date_time_policy,
                                       name_heuristic=options.name_heuristic)

    def database_ready() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    app = create_service_app(
        "anonymizer", settings, title="LLM4Gov anonymizer", description=DESCRIPTION,
        routers=[router], readiness={"database": database_ready},
        on_shutdown=lambda _app: engine.dispose(),
    )
    app.state.anonymizer = AnonymizerService(analyzer, options, keys, Vault(sessions, keys.vault),
                                             AuditLog(sessions, "anonymizer"), app.state.metrics)
    return app
