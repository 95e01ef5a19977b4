"""HTTP routes of the anonymizer (thin: validation by the protocol models, work by the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from shared.app import request_id
from shared.auth import Principal, require_role
from services.anonymizer.protocol import (AnalyzeBatchRequest, AnalyzeBatchResponse, AnalyzeRequest,
                                          AnalyzeResponse, AnonymizeBatchRequest, AnonymizeBatchResponse,
                                          AnonymizeRequest, AnonymizeResponse, DeanonymizeRequest,
                                          DeanonymizeResponse)
from services.anonymizer.service import AnonymizerService

router = APIRouter(prefix="/v1", tags=["anonymizer"])

_ERRORS = {
    401: {"description": "Missing or invalid API key."},
    403: {"description": "The key lacks the needed role."},
    413: {"description": "Text, document or batch over the configured limits."},
    422: {"description": "Invalid request."},
}


def get_service(request: Request) -> AnonymizerService:
    return request.app.state.anonymizer


Service = Annotated[AnonymizerService, Depends(get_service)]
CanAnonymize = Annotated[Principal, Depends(require_role("anonymize"))]
CanDeanonymize = Annotated[Principal, Depends(require_role("deanonymize"))]


@router.post("/analyze", response_model=AnalyzeResponse, responses=_ERRORS,
             summary="Find PII in a text (types and character offsets).")
async def analyze(body: AnalyzeRequest, service: Service, _: CanAnonymize) -> AnalyzeResponse:
    results = await run_in_threadpool(service.analyze, [body.text], body.entities, body.score_threshold)
    return results[0]


@router.post("/analyze/batch", response_model=AnalyzeBatchResponse, responses=_ERRORS,
             summary="Find PII in many texts at once (much faster per text).")
async def analyze_batch(body: AnalyzeBatchRequest, service: Service, _: CanAnonymize) -> AnalyzeBatchResponse:
    results = await run_in_threadpool(service.analyze, body.texts, body.entities, body.score_threshold)
    return AnalyzeBatchResponse(results=results)


@router.post("/anonymize", response_model=AnonymizeResponse, response_model_exclude_none=True,
             responses=_ERRORS, summary="Anonymize a text or any JSON document.")
async def anonymize(body: AnonymizeRequest, service: Service, principal: CanAnonymize) -> AnonymizeResponse:
    results = await run_in_threadpool(service.anonymize, [(body.text, body.document)], body.operators,
                                      body.entities, body.score_threshold, principal)
    return results[0]


@router.post("/anonymize/batch", response_model=AnonymizeBatchResponse, response_model_exclude_none=True,
             responses=_ERRORS, summary="Anonymize many texts/documents; each gets its own numbering.")
async def anonymize_batch(body: AnonymizeBatchRequest, service: Service,
                          principal: CanAnonymize) -> AnonymizeBatchResponse:
    items = [(item.text, item.document) for item in body.items]
    results = await run_in_threadpool(service.anonymize, items, body.operators, body.entities,
                                      body.score_threshold, principal)
    return AnonymizeBatchResponse(results=results)


@router.post("/deanonymize", response_model=DeanonymizeResponse, response_model_exclude_none=True,
             responses={**_ERRORS, 404: {"description": "Unknown mapping id."}},
             summary="Restore pseudonymized and encrypted values (role `deanonymize`; audited).")
async def deanonymize(body: DeanonymizeRequest, request: Request, service: Service,
                      principal: CanDeanonymize) -> DeanonymizeResponse:
    return await run_in_threadpool(service.deanonymize, body.text, body.document, body.mapping_id, principal,
                                   request_id(request))
