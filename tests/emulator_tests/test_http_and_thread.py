"""Raw HTTP bodies (JSON, form, query, multipart) and the threaded emulator for blocking tests."""

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


async def test_raw_bodies_and_error_shape(bot_api) -> None:  # type: ignore[no-untyped-def]
    emu = bot_api
    u = emu.user(started=True)
    api = f"{emu.base_url}{emu.token}"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        r = await client.post(f"{api}/sendMessage",
                              json={"chat_id": u.id, "text": "json", "reply_markup": markup})
        assert r.json()["result"]["reply_markup"] == markup
        r = await client.post(f"{api}/SENDMESSAGE", data={"chat_id": str(u.id), "text": "form",
                                                          "reply_markup": httpx_json(markup)})
        assert r.status_code == 200 and emu.last(u).buttons == [[("A", "a")]]
        r = await client.get(f"{api}/sendMessage", params={"chat_id": u.id, "text": "query"})
        assert r.json()["result"]["text"] == "query"
        r = await client.post(f"{api}/sendDocument", data={"chat_id": str(u.id)},
                              files={"document": ("a.txt", b"abc", "text/plain")})
        assert r.json()["result"]["document"]["file_name"] == "a.txt"
        g = emu.group("old")
        g.add_bot()
        sg = g.migrate_to_supergroup()
        r = await client.post(f"{api}/sendMessage", json={"chat_id": g.id, "text": "x"})
        assert r.status_code == 400 and r.json() == {
            "ok": False, "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": sg.id}}
        emu.limits(per_chat_per_second=1)
        await client.post(f"{api}/sendMessage", json={"chat_id": u.id, "text": "1"})
        r = await client.post(f"{api}/sendMessage", json={"chat_id": u.id, "text": "2"})
        assert r.status_code == 429 and r.json()["parameters"] == {"retry_after": 1}
        r = await client.post(f"{api}/nope")
        assert r.status_code == 404 and r.json()["description"] == "Not Found"
        r = await client.post(f"{api}/sendMessage", content=b"{bad",
                              headers={"content-type": "application/json"})
        assert r.status_code == 400
        assert emu.internal_errors == []


async def test_registry_and_internal_errors(bot_api_core) -> None:  # type: ignore[no-untyped-def]
    from tests.telegram_emulator import api_method
    from tests.telegram_emulator.registry import METHODS

    @api_method("emulatorTestEcho", "emulatorTestBoom")
    def handler(core, p):  # type: ignore[no-untyped-def]
        if p.str("boom"):
            return {}["missing"]
        return {"echo": p.int("n"), "chat": core.resolve_chat(p).id}

    try:
        u = bot_api_core.user(started=True)
        status, body = await bot_api_core.call(bot_api_core.token, "emulatortestecho",
                                               {"n": "7", "chat_id": str(u.id)})
        assert status == 200 and body["result"] == {"echo": 7, "chat": u.id}
        status, body = await bot_api_core.call(bot_api_core.token, "emulatorTestBoom",
                                               {"boom": "1"})
        assert status == 500 and "KeyError" in body["description"]
        assert bot_api_core.internal_errors == ["emulatorTestBoom: KeyError('missing')"]
    finally:
        METHODS.pop("emulatortestecho")
        METHODS.pop("emulatortestboom")


def httpx_json(value: object) -> str:
    import json

    return json.dumps(value)


async def test_control_api(bot_api) -> None:  # type: ignore[no-untyped-def]
    emu = bot_api
    base = f"{emu.url}/_emulator"
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        r = await client.post(f"{base}/users/1001/send", json={"text": "/start"})
        assert r.status_code == 200 and r.json()["text"] == "/start"
        assert emu.pending[0]["message"]["from"]["id"] == 1001
        api = f"{emu.base_url}{emu.token}"
        await client.post(f"{api}/sendMessage", json={
            "chat_id": 1001, "text": "Hi", "reply_markup": {
                "inline_keyboard": [[{"text": "Yes", "callback_data": "y"}]]}})
        sent = (await client.get(f"{base}/chats/1001/sent")).json()
        assert sent[0]["buttons"] == [[["Yes", "y"]]]
        r = await client.post(f"{base}/users/1001/press",
                              json={"message_id": sent[0]["message_id"], "button": "Yes"})
        assert r.json()["callback_query_id"] in emu.callbacks
        r = await client.post(f"{base}/users/1001/press",
                              json={"message_id": sent[0]["message_id"], "button": "No"})
        assert r.status_code == 400 and "no button" in r.json()["error"]
        r = await client.post(f"{base}/wait", json={"chat_id": 1001, "contains": "Hi",
                                                    "timeout": 0.1})
        assert r.status_code == 400  # the press marked the chat: "Hi" is older
        assert (await client.get(f"{base}/info")).json()["token"] == emu.token
        assert (await client.get(f"{base}/requests")).json()[-1]["method"] == "sendMessage"
