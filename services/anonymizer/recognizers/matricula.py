"""BR_MATRICULA: matrícula funcional of a public servant (SIAPE, state and municipal registries)."""

from __future__ import annotations

from .base import NUM_END, NUM_START, BrPatternRecognizer, PatternSpec


class BrMatriculaRecognizer(BrPatternRecognizer):
    """Servant registration numbers: `250.511-8`, `1234567-8`, `0123456`, SIAPE `1234567`.

    There is no national format nor check digit, so every pattern starts below the threshold (0.3)
    and needs a label ("matrícula", "SIAPE", "mat.") among the words before the value.
    """

    ENTITY = "BR_MATRICULA"
    CODE = True
    PATTERNS = (
        PatternSpec("matricula_dotted", NUM_START + r"\d{1,3}(?:\.\d{3}){1,2}-?[\dXx]?" + NUM_END, 0.3),
        PatternSpec("matricula_dv", NUM_START + r"\d{3,10}-[\dXx]" + NUM_END, 0.3),
        PatternSpec("matricula_bare", NUM_START + r"\d{4,10}" + NUM_END, 0.3),
    )
    CONTEXT = (
        "matrícula", "matr.", "mat.", "siape", "matrícula siape", "matrícula funcional",
        "registro funcional", "cadastro funcional", "identificação funcional", "id funcional", "masp",
    )
