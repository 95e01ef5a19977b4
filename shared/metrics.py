"""Prometheus metrics: one registry per service app, HTTP metrics, and the /metrics endpoint.

Metric names are `llm4gov_<service>_...`. Labels carry route templates, methods, status codes, entity
types, task names: never request content.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


@dataclass
class ServiceMetrics:
    """The metrics every service app has; services add their own to `registry` through `prefix`."""

    service: str
    registry: CollectorRegistry
    requests: Counter
    latency: Histogram
    in_flight: Gauge

    @property
    def prefix(self) -> str:
        return f"llm4gov_{self.service}"

    def counter(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(f"{self.prefix}_{name}", doc, labels, registry=self.registry)

    def histogram(self, name: str, doc: str, labels: tuple[str, ...] = (),
                  buckets: tuple[float, ...] = LATENCY_BUCKETS) -> Histogram:
        return Histogram(f"{self.prefix}_{name}", doc, labels, registry=self.registry, buckets=buckets)

    def gauge(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(f"{self.prefix}_{name}", doc, labels, registry=self.registry)

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def create_service_metrics(service: str) -> ServiceMetrics:
    registry = CollectorRegistry(auto_describe=True)
    prefix = f"llm4gov_{service}"
    return ServiceMetrics(
        service=service,
        registry=registry,
        requests=Counter(f"{prefix}_http_requests_total", "HTTP requests by route, method and status.",
                         ("route", "method", "status"), registry=registry),
        latency=Histogram(f"{prefix}_http_request_duration_seconds", "HTTP request latency by route.",
                          ("route", "method"), registry=registry, buckets=LATENCY_BUCKETS),
        in_flight=Gauge(f"{prefix}_http_requests_in_flight", "HTTP requests being served.", registry=registry),
    )
