"""BR_PLACA: vehicle plates, old (`ABC-1234`) and Mercosul (`ABC1D23`)."""

from __future__ import annotations

from .base import BrPatternRecognizer, PatternSpec

_START = r"(?<![0-9A-Za-z])"
_END = r"(?![0-9A-Za-z])(?![-.][0-9A-Za-z])"

#: Upper-case acronyms that precede numbers in official text ("ISO-9001", "CRM 1234", "ANO 2024").
ACRONYMS = frozenset(
    """ACO ADC ADI ADO AGU ANO ARE ART CAP CEP CGU CID CNH CNJ CNS COD CPF CRC CRF CRM CRO CRP
    DEC DIA DPU FLS INC ISO LEI MES MPF NBR NIS NIT NUM NUP OAB PIS REF RES RHC RMS RNE SEC SEI STA
    STF STJ STP TCU TPA TRE TRF TRT TSE TST""".split()
)


class BrPlacaRecognizer(BrPatternRecognizer):
    """Plates are upper-case letters + digits; no check digit, so shapes carry the score.

    Old-style plates whose letters are a known acronym only count with a vehicle word nearby
    (the Mercosul shape, letter in the fifth position, is distinctive enough on its own).
    """

    ENTITY = "BR_PLACA"
    CODE = True
    PATTERNS = (
        PatternSpec("placa_mercosul", _START + r"[A-Z]{3}-?\d[A-Z]\d{2}" + _END, 0.6),
        PatternSpec("placa_hyphen", _START + r"[A-Z]{3}-\d{4}" + _END, 0.5),
        PatternSpec("placa_plain", _START + r"[A-Z]{3}\d{4}" + _END, 0.4),
        PatternSpec("placa_space", _START + r"[A-Z]{3}\x20\d{4}" + _END, 0.05),
    )
    CONTEXT = (
        "placa", "placas", "veículo", "veículos", "automóvel", "carro", "moto", "motocicleta",
        "caminhão", "ônibus", "renavam", "chassi", "detran", "licenciamento", "emplacado",
    )

    def base_score(self, text: str, spec: PatternSpec, validated: bool | None) -> float:
        score = super().base_score(text, spec, validated)
        if spec.name != "placa_mercosul" and text[:3] in ACRONYMS:
            return min(score, 0.05)
        return score
