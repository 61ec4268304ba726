"""The expert reads a number off a snapshot on the remote-assist page (AppTest, the call stubbed): the
container number is proposed only when its check digit was read and checks out."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from components.remote_assist import webrtc
from portsight.db.models import AssistSession, User
from portsight.db.session import make_engine, unit_of_work
from portsight.domain.access import Actor, Role
from portsight.services.assist import join_assist, save_snapshot
from tests.number_photos import door_image
from tests.pages.conftest import errors, login

PAGE = "pages/remote_assist.py"
BOX = "MSKU6011672"


def jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=92)
    return out.getvalue()


@pytest.fixture
def snapshots(app_db, monkeypatch) -> tuple[int, int]:
    """The expert in a call on the waiting request, with a snapshot of a door and one of the door with
    its check digit painted out."""
    monkeypatch.setattr(webrtc, "streamer", lambda *args, **kwargs: None)
    data_dir, url = app_db
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        expert = s.scalar(select(User.id).where(User.username == "expert"))
        waiting = s.scalar(select(AssistSession.id).where(AssistSession.state == "waiting").limit(1))
    actor = Actor(expert, "expert", Role.EXPERT, None)
    join_assist(engine, actor, waiting)
    door = jpeg(door_image(BOX))
    hidden = door_image(BOX)
    width, height = hidden.size
    hidden.paste((118, 124, 130), (int(width * 0.72), height // 5, width, height // 2))  # the boxed digit gone
    shots = (
        save_snapshot(engine, actor, waiting, door, data_dir / "media"),
        save_snapshot(engine, actor, waiting, jpeg(hidden), data_dir / "media"),
    )
    engine.dispose()
    return shots


def test_the_expert_reads_the_number_on_a_snapshot_and_none_without_its_check_digit(new_app, snapshots):
    door, hidden = snapshots
    at = login(new_app().run(), "expert")
    at.switch_page(PAGE).run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    at.button(key=f"assist.read_number.{door}").click().run()
    at.button(key=f"assist.read_number.{hidden}").click().run()
    assert not at.exception and not errors(at), (at.exception, errors(at))
    shown = [m.value for m in at.markdown]
    assert any(m.startswith(f"Container number **{BOX}** · confidence") for m in shown), shown
    assert any(m.startswith("No number checked out on this snapshot (read: “MSKU 601167") for m in shown), shown
