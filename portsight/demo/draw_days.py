"""The day seeds of the seeded history, committed and revealed as services.draws would have done.

Every draw of the history (selection and dispatch) takes its seed from its local day's seed, as
the services do (portsight.domain.draws); each day that has a draw gets a commitment published at
the day's start and, when the day ended before `now`, its seed revealed at the day's end. So
`python -m portsight draws verify --day D` checks any past day of the demo, and the services carry
on with the seed of the day `now` falls in.

The demo's day seeds derive from the demo seed (reproducible rows), so anyone who knows that number
could compute them; a real day seed comes from the operating system's random generator.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from portsight.db import models as m
from portsight.demo.rows import Rows
from portsight.demo.world import LOCAL
from portsight.domain import draws


class DrawDays:
    """One seed per local day, remembered as the draws ask for it; `write` adds the commitments."""

    def __init__(self, rows: Rows, seed: int, now: datetime):
        self.rows = rows
        self.seed = seed
        self.now = now
        self.seeds: dict[date, str] = {}

    def day_seed(self, at: datetime) -> str:
        """The seed of the local day containing `at` (64 hex characters)."""
        day = (at + LOCAL).date()
        found = self.seeds.get(day)
        if found is None:
            found = self.seeds[day] = self._seed_of(day)
        return found

    def _seed_of(self, day: date) -> str:
        return hashlib.sha256(f"demo-{self.seed}|day|{day.isoformat()}".encode()).hexdigest()

    def selection_seed(self, drawn: datetime, declaration_number: str) -> str:
        return draws.selection_seed(self.day_seed(drawn), declaration_number)

    def dispatch_seed(self, at: datetime, inspection_id: int) -> str:
        return draws.dispatch_seed(self.day_seed(at), inspection_id)

    def include(self, days: Iterable[date]) -> None:
        """Remember these days' seeds too (days with a draw made elsewhere), so `write` commits them."""
        for day in days:
            if day not in self.seeds:
                self.seeds[day] = self._seed_of(day)

    def write(self) -> None:
        """A commitment for every day a draw used: published at the day's start, revealed at its end if past."""
        for day in sorted(self.seeds):
            seed = self.seeds[day]
            starts = datetime(day.year, day.month, day.day, tzinfo=UTC) - LOCAL
            ends = starts + timedelta(days=1)
            self.rows.add(m.DrawCommitment, {
                "day": day, "seed_sha256": draws.commitment_of(seed), "published_at": starts, "seed": seed,
                "revealed_at": ends if ends <= self.now else None})  # fmt: skip
