"""Status vocabularies: each is one StrEnum whose members are the strings the database stores (so they compare
equal to them, in code and in templates) with their label beside them."""

from enum import StrEnum


class Vocabulary(StrEnum):
    """Members are declared as `NAME = "stored value", _l("Label")`."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label if label is not None else value
        return member

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The stored strings, plain (for a CHECK constraint, an IN clause)."""
        return tuple(member.value for member in cls)

    @classmethod
    def labels(cls) -> dict[str, object]:
        return {member.value: member.label for member in cls}
