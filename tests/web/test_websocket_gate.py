"""The websocket under the session gate: whose Streamlit session a browser may resume, and what a
browser whose session ended may still send (Starlette's TestClient; Streamlit replaced by an echo)."""

from __future__ import annotations

from sqlalchemy import update
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from portsight.db.models import User
from portsight.services.sessions import token_hash
from portsight.web.middleware import SessionGate
from portsight.web.routes import routes
from tests.web.conftest import PASSWORD, SAME_SITE


async def echo(websocket: WebSocket) -> None:
    """Streamlit's stream, reduced to: say which session id was offered, then echo every frame."""
    await websocket.accept(subprotocol="streamlit")
    await websocket.send_text(websocket.headers.get("sec-websocket-protocol", ""))
    try:
        while True:
            data = await websocket.receive_bytes()
            await websocket.send_bytes(data)
    except WebSocketDisconnect:
        pass


def gate_app(bindings: dict[str, str], signed_out_message=None) -> Starlette:
    return Starlette(
        routes=[*routes(), WebSocketRoute("/_stcore/stream", echo)],
        middleware=[Middleware(SessionGate, bound_token_hash=bindings.get, signed_out_message=signed_out_message)],
    )


def signed_in_client(app: Starlette) -> tuple[TestClient, str]:
    client = TestClient(app, follow_redirects=False)
    response = client.post("/login", data={"username": "inspector", "password": PASSWORD}, headers=SAME_SITE)
    return client, response.cookies["portsight_session"]


def offered(client: TestClient, session_id: str) -> str:
    with client.websocket_connect("/_stcore/stream", subprotocols=["streamlit", "xsrf", session_id]) as ws:
        return ws.receive_text()


def test_without_a_session_another_tabs_streamlit_session_is_not_resumed(web_env):
    client = TestClient(gate_app({"victim": "f" * 64}))
    assert offered(client, "victim") == "streamlit, xsrf, "


def test_a_streamlit_session_resumes_only_with_the_cookie_it_was_signed_in_with(web_env):
    bindings: dict[str, str] = {}
    client, token = signed_in_client(gate_app(bindings))
    bindings["mine"] = token_hash(token)
    bindings["theirs"] = "f" * 64
    assert offered(client, "mine") == "streamlit, xsrf, mine"
    assert offered(client, "theirs") == "streamlit, xsrf, "
    assert offered(client, "never-signed-in") == "streamlit, xsrf, never-signed-in"


def test_once_the_session_ends_each_message_is_made_harmless_first(web_env):
    client, _token = signed_in_client(gate_app({}, signed_out_message=lambda data: b"harmless " + data))
    with client.websocket_connect("/_stcore/stream", subprotocols=["streamlit"]) as ws:
        ws.receive_text()
        ws.send_bytes(b"click")
        assert ws.receive_bytes() == b"click"
        with web_env.begin() as conn:  # deactivated meanwhile
            conn.execute(update(User).where(User.username == "inspector").values(active=False))
        try:
            ws.send_bytes(b"click")
            assert ws.receive_bytes() == b"harmless click"
        finally:
            with web_env.begin() as conn:
                conn.execute(update(User).where(User.username == "inspector").values(active=True))


def test_a_dropped_message_never_reaches_streamlit(web_env):
    def drop_all_but_reruns(data: bytes) -> bytes | None:
        return data if data == b"rerun" else None

    client, _token = signed_in_client(gate_app({}, signed_out_message=drop_all_but_reruns))
    with client.websocket_connect("/_stcore/stream", subprotocols=["streamlit"]) as ws:
        ws.receive_text()
        client.post("/logout", headers=SAME_SITE)
        ws.send_bytes(b"upload")
        ws.send_bytes(b"rerun")
        assert ws.receive_bytes() == b"rerun"  # the upload request was not echoed first


def test_streamlit_messages_of_an_ended_session_lose_their_widget_changes():
    from streamlit.proto.BackMsg_pb2 import BackMsg

    from components.shell.browser import signed_out_message

    click = BackMsg()
    click.rerun_script.page_script_hash = "page"
    click.rerun_script.query_string = "id=3"
    click.rerun_script.fragment_id = "board"
    widget = click.rerun_script.widget_states.widgets.add()
    widget.id, widget.trigger_value = "$$ID-release", True
    kept = BackMsg()
    kept.ParseFromString(signed_out_message(click.SerializeToString()) or b"")
    assert kept.rerun_script.page_script_hash == "page" and kept.rerun_script.query_string == "id=3"
    assert not kept.rerun_script.widget_states.widgets and kept.rerun_script.fragment_id == ""

    upload = BackMsg()
    upload.file_urls_request.request_id = "r"
    assert signed_out_message(upload.SerializeToString()) is None
    heartbeat = BackMsg()
    heartbeat.app_heartbeat = True
    assert signed_out_message(heartbeat.SerializeToString()) == heartbeat.SerializeToString()
