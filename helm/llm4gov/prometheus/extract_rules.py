"""Render the chart's PrometheusRule and write its rule groups as a plain Prometheus rules file.

promtool does not read PrometheusRule objects, only rule files (`groups: [...]`). This renders the
chart offline (helm-python-sdk, no helm binary, no cluster) with the PrometheusRule enabled, and
writes `spec` of that object:

    python helm/llm4gov/prometheus/extract_rules.py /tmp/llm4gov.rules.yaml [-f values.yaml ...]
    promtool check rules /tmp/llm4gov.rules.yaml
    cp helm/llm4gov/prometheus/alerts_test.yaml /tmp/ && promtool test rules /tmp/alerts_test.yaml

alerts_test.yaml expects release "llm4gov" in namespace "llm4gov" (the defaults here): the rules are
scoped to the release namespace and name the scrape jobs after the release's Services.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

CHART_DIR = Path(__file__).resolve().parents[1]
RELEASE = "llm4gov"
NAMESPACE = "llm4gov"


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def render_rules(values: dict[str, Any] | None = None, *, release: str = RELEASE,
                 namespace: str = NAMESPACE, chart_dir: Path = CHART_DIR) -> dict[str, Any]:
    """The `spec` ({groups: [...]}) of the chart's rendered PrometheusRule."""
    import helm_python as helm

    merged = _merge(values or {}, {"monitoring": {"prometheusRule": {"enabled": True}}})
    with helm.Chart.load(str(chart_dir)) as chart:
        rendered = chart.render(merged, name=release, namespace=namespace)
    rules = [doc for text in rendered.values() for doc in yaml.safe_load_all(text)
             if doc and doc.get("kind") == "PrometheusRule"]
    if len(rules) != 1:
        raise RuntimeError(f"expected exactly one PrometheusRule, rendered {len(rules)}")
    return rules[0]["spec"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="where to write the rules file")
    parser.add_argument("-f", "--values", type=Path, action="append", default=[],
                        help="values file(s), applied in order")
    args = parser.parse_args()
    values: dict[str, Any] = {}
    for path in args.values:
        values = _merge(values, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    args.output.write_text(yaml.safe_dump(render_rules(values), sort_keys=False, width=1000), encoding="utf-8")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
