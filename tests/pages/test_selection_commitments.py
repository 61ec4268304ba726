"""The selection page shows each day's published draw-seed hash, and the seed only once it is revealed."""

from __future__ import annotations

from datetime import timedelta

from portsight.clock import utcnow
from portsight.db.session import make_engine
from portsight.domain.access import SYSTEM
from portsight.services.draws import local_day, publish_day_seed, reveal_day_seed
from tests.pages.conftest import errors, login

SELECTION = "pages/selection.py"


def test_published_hashes_are_shown_and_only_revealed_seeds(new_app, app_db):
    engine = make_engine(app_db[1])
    now = utcnow()
    yesterday = local_day(now) - timedelta(days=1)
    past = publish_day_seed(engine, SYSTEM, yesterday, now=now - timedelta(days=1))
    revealed = reveal_day_seed(engine, SYSTEM, yesterday, now=now)
    today = publish_day_seed(engine, SYSTEM, local_day(now), now=now)
    engine.dispose()

    at = login(new_app().run(), "supervisor")
    at.switch_page(SELECTION).run()
    assert not at.exception and not errors(at)
    table = next(df.value for df in at.dataframe if "seed_sha256" in df.value.columns)
    rows = {row.seed_sha256: row.seed for row in table.itertuples()}
    assert rows[past.seed_sha256] == revealed.seed
    assert rows[today.seed_sha256] == "not revealed yet (after the day ends)"
    assert "python -m portsight draws verify --day YYYY-MM-DD" in [c.value for c in at.code]
