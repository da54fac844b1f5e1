"""UserEvent as it crosses processes (Redis pub/sub, PostgreSQL NOTIFY): every field comes
back, and a message from a newer or older casp still reads during a rolling upgrade."""

from __future__ import annotations

import json

from app.events import UserEvent


def test_a_certificate_event_comes_back_whole():
    event = UserEvent(user_id=3, certificate_id=9, status="pending", stage="key_ready",
                      at="2026-12-04T12:00:00+00:00",
                      last_error={"type": "casp:unavailable", "detail": "CA away"},
                      renew_at="2027-01-04T12:00:00+00:00", changed=("last_error",))
    assert UserEvent.loads(event.dumps()) == event


def test_fields_this_version_does_not_know_are_dropped_and_missing_ones_default():
    newer = json.dumps({"user_id": 3, "certificate_id": 9, "status": "issued",
                        "stage": "done", "at": "2026-12-04T12:00:00+00:00",
                        "kind": "certificate", "changed": ["status"], "from_the_future": 1})
    assert UserEvent.loads(newer) == UserEvent(3, 9, "issued", "done",
                                               "2026-12-04T12:00:00+00:00", changed=("status",))
    older = '{"user_id":3,"certificate_id":9,"status":"issued","stage":"done","at":"x",' \
            '"kind":"certificate"}'
    assert UserEvent.loads(older) == UserEvent(3, 9, "issued", "done", "x")
