"""DATE_TIME: dates and times as written in Portuguese."""

from __future__ import annotations

import datetime

import regex as re

from .base import NUM_END, NUM_START, BrPatternRecognizer, PatternSpec

MONTHS = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho",
    "julho", "agosto", "setembro", "outubro", "novembro", "dezembro",
)
_MONTH_ALT = "|".join(MONTHS) + "|marco"
_MONTH_ABBR = "jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_TIME = r"(?:[01]?\d|2[0-3])(?:h[0-5]\d(?:min)?|:[0-5]\d(?::[0-5]\d)?(?:h|hs)?)"
_WITH_TIME = rf"(?:,?\x20(?:(?:às|as|a\x20partir\x20das)\x20)?{_TIME})?"
_HH_MM = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:h|hs)?"
_TIME_START = r"(?<![\w:.,/])"
_TIME_END = r"(?![\w:]|[.,]\d)"

_NUMERIC_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})|(\d{4})-(\d{2})-(\d{2})")
_TEXT_DATE = re.compile(rf"(\d{{1,2}})[º°o]?\s+de\s+({_MONTH_ALT})(?:\s+de\s+(\d{{4}}))?", re.IGNORECASE)


class DateTimeRecognizer(BrPatternRecognizer):
    """`12/03/2024`, `12-03-2024`, `12.03.2024`, `2024-03-12`, `12 de março de 2024`,
    `março de 2024`, `14h30`, `14:30`, `às 14h` — with an optional time glued to the date (one entity).

    Impossible calendar dates ("31/02/2024") are dropped.
    """

    ENTITY = "DATE_TIME"
    FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE
    PATTERNS = (
        PatternSpec(
            "date_text",
            rf"(?<!\w)(?:{_DAY}|1[º°])\s+de\s+(?:{_MONTH_ALT})(?:\s+de\s+\d{{4}})?{_WITH_TIME}(?!\w)",
            0.85,
        ),
        PatternSpec("month_year", rf"(?<!\w)(?:{_MONTH_ALT})(?:\s+de\s+|/)\d{{4}}(?!\w)", 0.6),
        PatternSpec("month_abbr_year", rf"(?<!\w)(?:{_MONTH_ABBR})\.?/(?:\d{{4}}|\d{{2}})(?![\w/])", 0.5),
        PatternSpec(
            "date_slash",
            NUM_START + rf"{_DAY}/(?:0?[1-9]|1[0-2])/(?:\d{{4}}|\d{{2}}){_WITH_TIME}" + NUM_END,
            0.7,
        ),
        PatternSpec(
            "date_dash_dot",
            NUM_START + rf"(?:0[1-9]|[12]\d|3[01])([.-])(?:0[1-9]|1[0-2])\1\d{{4}}{_WITH_TIME}" + NUM_END,
            0.7,
        ),
        PatternSpec(
            "date_iso",
            NUM_START + r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
            r"(?:[T\x20](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?" + NUM_END,
            0.7,
        ),
        PatternSpec("time", rf"{_TIME_START}(?:(?:[01]?\d|2[0-3])h[0-5]\d(?:min)?|{_HH_MM}){_TIME_END}", 0.6),
        # "1:50" is as often a scale or a ratio as a time: only with a label ("hora", "horário")
        PatternSpec("time_one_digit_hour", rf"{_TIME_START}\d:[0-5]\d{_TIME_END}", 0.3),
        PatternSpec(
            "time_after_preposition",
            r"(?<=(?<!\w)(?:às|as|das|até\x20as)\x20)(?:[01]?\d|2[0-3])(?:h(?:s|oras)?|:[0-5]\d(?::[0-5]\d)?)(?!\w)",
            0.6,
        ),
    )
    CONTEXT = (
        "data", "dia", "nascimento", "nascido", "nascida", "hora", "horas", "horário", "prazo",
        "vencimento", "audiência", "sessão", "reunião",
    )

    def validate_value(self, text: str) -> bool | None:
        """False for impossible dates; None otherwise (dates are never "certain" PII)."""
        numeric = _NUMERIC_DATE.search(text)
        if numeric:
            if numeric.group(4):
                year, month, day = (int(g) for g in numeric.group(4, 5, 6))
            else:
                day, month, year = (int(g) for g in numeric.group(1, 2, 3))
            return None if _is_date(year, month, day) else False
        textual = _TEXT_DATE.search(text)
        if textual:
            month = _month_number(textual.group(2))
            year = int(textual.group(3)) if textual.group(3) else 2000  # leap year: 29/02 is fine
            return None if _is_date(year, month, int(textual.group(1))) else False
        return None


def _month_number(name: str) -> int:
    name = name.lower().replace("marco", "março")
    return MONTHS.index(name) + 1


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year if year >= 100 else 2000 + year, month, day)
    except ValueError:
        return False
    return True
