"""The anonymizer's use cases: analyze, anonymize and deanonymize texts and JSON documents.

Routes stay thin; limits, batching, public-body policy, the vault, metrics and audit live here.
All strings of a request (every item, every string inside every document) go through the NLP
pipeline in one batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shared.audit import AuditLog
from shared.auth import Principal
from shared.errors import Forbidden, PayloadTooLarge, Unprocessable
from shared.metrics import ServiceMetrics
from services.anonymizer.crypto import OperatorKeys
from services.anonymizer.documents import collect_strings, number_text, rebuild
from services.anonymizer.detections import Detection, propagate_detections
from services.anonymizer.engine import PiiAnalyzer
from services.anonymizer.operators import RequestState, anonymize_text, restore_text
from services.anonymizer.protocol import (AnalyzeResponse, AnonymizedEntity, AnonymizeResponse,
                                          DeanonymizeResponse, Entity, Operator)
from services.anonymizer.settings import AnonymizerOptions
from services.anonymizer.vault import Vault


@dataclass
class _Unit:
    """One input of a request: a text, or a document expanded into its strings."""

    is_document: bool
    value: Any
    strings: list[tuple[str | None, str]]


class AnonymizerService:
    def __init__(self, analyzer: PiiAnalyzer, options: AnonymizerOptions, keys: OperatorKeys, vault: Vault,
                 audit: AuditLog, metrics: ServiceMetrics) -> None:
        self.analyzer = analyzer
        self.options = options
        self.keys = keys
        self.vault = vault
        self.audit = audit
        self.entities_found = metrics.counter("entities_detected_total", "Detected entities by type.",
                                              ("entity_type",))
        self.documents = metrics.counter("documents_processed_total", "Texts/documents processed by operation.",
                                         ("operation",))
        self.deanonymized = metrics.counter("deanonymize_total", "Deanonymize calls by outcome.", ("outcome",))

    # --- limits -----------------------------------------------------------------------------------
    def _check_texts(self, texts: Sequence[str]) -> None:
        limit = self.options.max_text_chars
        for text in texts:
            if len(text) > limit:
                raise PayloadTooLarge(f"A text has {len(text)} characters; the limit is {limit}.")

    def _check_batch(self, n: int) -> None:
        if n > self.options.max_batch_items:
            raise PayloadTooLarge(f"The batch has {n} items; the limit is {self.options.max_batch_items}.")

    def _unit(self, text: str | None, document: Any) -> _Unit:
        if text is not None:
            return _Unit(False, text, [(None, text)])
        strings = collect_strings(document, self.options.max_document_strings, self.options.max_document_depth)
        return _Unit(True, document, [(p, s) for p, s in strings])

    # --- analyze ----------------------------------------------------------------------------------
    def _detect(self, texts: Sequence[str], entities: Sequence[str] | None,
                threshold: float | None) -> list[list[Detection]]:
        self._check_texts(texts)
        unsupported = set(entities or ()) - set(self.analyzer.supported_entities)
        if unsupported:
            raise Unprocessable(f"Entity types not enabled in this deployment: {sorted(unsupported)}.")
        results = self.analyzer.analyze_batch(texts, entities, threshold)
        for detections in results:
            for det in detections:
                self.entities_found.labels(det.type).inc()
        return results

    def analyze(self, texts: Sequence[str], entities: Sequence[str] | None,
                threshold: float | None) -> list[AnalyzeResponse]:
        self._check_batch(len(texts))
        results = [propagate_detections([t], [d])[0] for t, d in zip(texts, self._detect(texts, entities, threshold))]
        self.documents.labels("analyze").inc(len(texts))
        return [AnalyzeResponse(entities=[
            Entity(type=d.type, start=d.start, end=d.end, score=d.score,
                   public_body=d.public_body if d.type == "ORGANIZATION" else None)
            for d in detections]) for detections in results]

    # --- anonymize --------------------------------------------------------------------------------
    def _to_replace(self, detections: list[Detection]) -> list[Detection]:
        if self.options.anonymize_public_bodies:
            return detections
        return [d for d in detections if not d.public_body]

    def anonymize(self, items: Sequence[tuple[str | None, Any]], operators: dict[str, Operator] | None,
                  entities: Sequence[str] | None, threshold: float | None,
                  principal: Principal) -> list[AnonymizeResponse]:
        """Anonymize texts/documents; each item gets its own numbering and vault entry."""
        self._check_batch(len(items))
        units = [self._unit(text, document) for text, document in items]
        flat = [s for unit in units for _, s in unit.strings]
        detections = iter(self._detect(flat, entities, threshold))
        responses = []
        for unit in units:
            texts = [s for _, s in unit.strings]
            unit_detections = iter(propagate_detections(texts, [next(detections) for _ in texts]))
            state = RequestState(self.keys)
            outputs: dict[str | None, str] = {}
            entities_out: list[AnonymizedEntity] = []
            for pointer, string in unit.strings:
                new, replacements = anonymize_text(string, self._to_replace(next(unit_detections)), operators, state)
                outputs[pointer] = new
                entities_out += [AnonymizedEntity(type=r.detection.type, start=r.detection.start,
                                                  end=r.detection.end, score=r.detection.score,
                                                  operator=r.operator, output_start=r.output_start,
                                                  output_end=r.output_end, path=pointer)
                                 for r in replacements]
            mapping_id = self.vault.store(state.vault_mapping, principal.name) if state.vault_mapping else None
            if unit.is_document:
                document = rebuild(unit.value, lambda p, v: _replaced(v, outputs[p]))
                responses.append(AnonymizeResponse(document=document, entities=entities_out, mapping_id=mapping_id))
            else:
                responses.append(AnonymizeResponse(text=outputs[None], entities=entities_out, mapping_id=mapping_id))
        self.documents.labels("anonymize").inc(len(units))
        return responses

    # --- deanonymize ------------------------------------------------------------------------------
    def deanonymize(self, text: str | None, document: Any, mapping_id: str | None, principal: Principal,
                    request_id: str) -> DeanonymizeResponse:
        resource = f"mapping:{mapping_id}" if mapping_id else "encrypted-tokens"
        try:
            owner = self.vault.owner(mapping_id) if mapping_id else None
            mapping = self.vault.load(mapping_id) if mapping_id else {}
        except Exception:
            self.deanonymized.labels("not_found").inc()
            self.audit.record(principal, "deanonymize", resource, "denied", request_id, {"reason": "unknown mapping"})
            raise
        if owner is not None and not principal.owns(owner):
            self.deanonymized.labels("forbidden").inc()
            self.audit.record(principal, "deanonymize", resource, "denied", request_id, {"reason": "other owner"})
            raise Forbidden(f"Mapping '{mapping_id}' was created by another API key; restoring it needs the "
                            "'admin' role.")
        unit = self._unit(text, document)
        self._check_texts([s for _, s in unit.strings])
        restored_total = 0
        outputs: dict[str | None, str] = {}
        for pointer, string in unit.strings:
            outputs[pointer], restored = restore_text(string, mapping, self.keys)
            restored_total += restored
        self.deanonymized.labels("success").inc()
        self.audit.record(principal, "deanonymize", resource, "success", request_id, {"restored": restored_total})
        if unit.is_document:
            return DeanonymizeResponse(document=rebuild(unit.value, lambda p, v: _replaced(v, outputs[p])),
                                       restored=restored_total)
        return DeanonymizeResponse(text=outputs[None], restored=restored_total)


def _replaced(original: Any, new: str) -> Any:
    """Keep a number as it was unless part of it was replaced (then it is the text with placeholders)."""
    if isinstance(original, (int, float)) and not isinstance(original, bool) and new == number_text(original):
        return original
    return new
