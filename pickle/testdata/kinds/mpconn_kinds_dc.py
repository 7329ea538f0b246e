# The dataclasses of mpconn_kinds (3.7+ only).
import dataclasses


@dataclasses.dataclass
class Record:
    name: str
    score: float = 0.5


@dataclasses.dataclass(frozen=True)
class Frozen:
    key: int
