"""Ranking of the cross-validated recipe search (bench/trainer_sweep.py)."""

from __future__ import annotations

from typing import Any

from bench.trainer_sweep import config_id, rank


def _cfg(epochs: float, lr: float) -> dict[str, Any]:
    return {"epochs": epochs, "learning_rate": lr, "label_loss_weight": 1.0, "r": 16, "alpha": 32}


def _run(cfg: dict[str, Any], fold: int | None, agreement: float, f1: float = 0.5) -> dict[str, Any]:
    return {"config_id": config_id(cfg), "config": cfg, "fold": fold, "agreement": agreement, "macro_f1": f1,
            "schema_valid_rate": 1.0}


def test_rank_orders_by_mean_agreement_and_skips_incomplete_configurations() -> None:
    a, b, c = _cfg(3, 2e-4), _cfg(6, 2e-4), _cfg(10, 2e-4)
    results = [_run(a, 0, 0.5), _run(a, 1, 0.7),   # mean 0.6
               _run(b, 0, 0.6), _run(b, 1, 0.8),   # mean 0.7
               _run(c, 0, 1.0),                    # one fold missing: not ranked
               _run(a, None, 0.1)]                 # a held-out check is not a fold
    ranking = rank(results, folds=2)
    assert [r["config_id"] for r in ranking] == [config_id(b), config_id(a)]
    assert ranking[0]["cv_agreement"] == 0.7 and ranking[0]["cv_agreement_sd"] == 0.1


def test_rank_breaks_ties_by_macro_f1_then_fewer_epochs() -> None:
    a, b, c = _cfg(6, 2e-4), _cfg(3, 2e-4), _cfg(3, 6e-4)
    results = [_run(a, 0, 0.5, f1=0.4), _run(b, 0, 0.5, f1=0.4), _run(c, 0, 0.5, f1=0.45)]
    assert [r["config_id"] for r in rank(results, folds=1)] == [config_id(c), config_id(b), config_id(a)]
