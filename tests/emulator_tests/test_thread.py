"""The emulator in its own thread answers while the test blocks (like a bot subprocess)."""

from __future__ import annotations

import httpx

from tests.telegram_emulator import EmulatorThread


def test_blocking_client_against_threaded_emulator(bot_api_thread: EmulatorThread) -> None:
    t = bot_api_thread
    emu = t.emu
    api = f"{emu.base_url}{emu.token}"
    with httpx.Client(trust_env=False, timeout=5) as client:
        me = client.get(f"{api}/getMe").json()
        assert me["ok"] and me["result"]["is_bot"]
        assert client.get(f"{emu.base_url}1:wrong/getMe").status_code == 401
        ann = t.call(emu.user, first_name="Ann")
        t.run(ann.send("/start"))
        updates = client.post(f"{api}/getUpdates", data={"timeout": "1"}).json()["result"]
        assert updates[0]["message"]["text"] == "/start"
        sent = client.post(f"{api}/sendMessage", json={"chat_id": ann.id, "text": "hi"})
        assert sent.status_code == 200
    assert t.run(emu.wait_for("hi", chat_id=ann, since=0)).text == "hi"


def test_sync_test_gets_a_serving_emulator(bot_api) -> None:  # type: ignore[no-untyped-def]
    with httpx.Client(trust_env=False, timeout=5) as client:
        r = client.get(f"{bot_api.base_url}{bot_api.token}/getMe")
    assert r.status_code == 200
