"""Reading a score someone typed or wrote in a file."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from scoring.campaign import Scale


class BadScore(ValueError):
    """`reason` is 'not_a_number', 'off_scale' or 'decimals', so each interface can say it in its language."""

    def __init__(self, reason: str, text: str, message: str) -> None:
        self.reason, self.text = reason, text
        super().__init__(message)


def parse_score(text: str, scale: Scale) -> float:
    """'95', '87.5', '９５．５' (full-width) -> float on the scale, else BadScore saying what is allowed."""
    # NFKC folds full-width digits and the full-width point into ASCII
    clean = unicodedata.normalize("NFKC", str(text)).strip().replace("。", ".")
    allowed = f"a number from {scale.min:g} to {scale.max:g} with at most {scale.decimals} decimal(s)"
    try:
        number = Decimal(clean)
    except InvalidOperation:
        raise BadScore("not_a_number", text, f"'{text}' is not a number; expected {allowed}") from None
    if not number.is_finite():
        raise BadScore("not_a_number", text, f"'{text}' is not a number; expected {allowed}")
    if not Decimal(str(scale.min)) <= number <= Decimal(str(scale.max)):
        raise BadScore("off_scale", clean, f"{clean} is off the scale; expected {allowed}")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > scale.decimals:
        raise BadScore("decimals", clean, f"{clean} has too many decimals; expected {allowed}")
    return float(number)
