"""Words for people: counts with the right plural, internal names as words.

Internal names (`express_courier`, `freight_forwarder`) stay in the database, bundles and
JSON; text for people shows them as words ("express courier"), and input takes either form
(`fields.py` parses "express courier" as `express_courier`).
"""

from __future__ import annotations

IRREGULAR = {"company": "companies", "person": "persons", "was": "were", "is": "are",
             "attachment": "attachments", "this": "these"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 record`, `2 records`, `0 records`; `many` when the plural is not word + s."""
    if count == 1:
        return f"{count:,} {word}"
    return f"{count:,} {many or IRREGULAR.get(word) or word + 's'}"


def singular(word: str) -> str:
    """The singular of a kind's plural (`seizures` -> `seizure`, `companies` -> `company`)."""
    for one, many in IRREGULAR.items():
        if word == many or word.endswith(" " + many):
            return word[: len(word) - len(many)] + one
    if word.endswith("ies"):  # entries, parties, bodies
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def as_words(name: object) -> str:
    """An internal name as words (`express_courier` -> `express courier`); '' for None."""
    return "" if name is None else str(name).replace("_", " ")


def from_words(text: str) -> str:
    """What a person typed (`Express courier`, `express-courier`) as the internal name."""
    return "_".join(text.strip().lower().replace("-", " ").split())
