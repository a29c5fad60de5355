"""Reading a score someone typed or wrote in a file: the one validator for both."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from scoring.campaign import Scale

# Longer than any score could be written ("100.0", "　９５．５　"): refused before anything else is done
# with it, so a 3,000-digit or 128 KiB cell costs nothing and is never echoed whole.
MAX_SCORE_CHARS = 32
ECHO_CHARS = 40
# A plain decimal in ASCII digits after NFKC folding: no exponent, no nan/inf, no '+', no thousands
# separators, no other scripts' digits (Decimal would read '١' or '1_0'). A leading '-' is read, and is
# then off the scale.
_PLAIN = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class BadScore(ValueError):
    """`reason` is 'not_a_number', 'off_scale' or 'decimals', so each interface can say it in its language.

    `text` is what was given, cut to ECHO_CHARS characters."""

    def __init__(self, reason: str, text: str, message: str) -> None:
        self.reason, self.text = reason, text
        super().__init__(message)


def echo(text: str, limit: int = ECHO_CHARS) -> str:
    """Untrusted text quoted back in a message: at most `limit` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_score(text: str, scale: Scale) -> float:
    """'95', '87.5', '９５．５' (full-width) -> float on the scale, else BadScore saying what is allowed."""
    text = str(text)
    allowed = f"a number from {scale.min:g} to {scale.max:g} with at most {scale.decimals} decimal(s)"
    shown = echo(text)
    if len(text) > MAX_SCORE_CHARS:
        raise BadScore("not_a_number", shown, f"'{shown}' ({len(text)} characters) is not a number; expected {allowed}")
    # NFKC folds full-width digits and the full-width point into ASCII
    clean = unicodedata.normalize("NFKC", text).strip().replace("。", ".")
    if not _PLAIN.fullmatch(clean):
        raise BadScore("not_a_number", shown, f"'{shown}' is not a number; expected {allowed}")
    number = Decimal(clean)  # at most MAX_SCORE_CHARS plain digits: exact and cheap
    if not Decimal(str(scale.min)) <= number <= Decimal(str(scale.max)):
        raise BadScore("off_scale", clean, f"{clean} is off the scale; expected {allowed}")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > scale.decimals:
        raise BadScore("decimals", clean, f"{clean} has too many decimals; expected {allowed}")
    return float(number)
