#!/usr/bin/python3
"""A fake notification server for the end-to-end run (tests/e2e/run).

Owns org.freedesktop.Notifications on the run's private session bus and
implements the Desktop Notifications Specification as far as a client sees
it: GetCapabilities (with "actions"), GetServerInformation, Notify (each
call appended as one JSON line to the file given as the first argument, the
hints' urgency and other simple values included), CloseNotification (which
emits NotificationClosed).

For the test, the same object has vn.kyso.e2e.Control.Invoke(id, action):
it emits ActionInvoked(id, action) as a user's click would, then
NotificationClosed(id, 2). Call it with
  dbus-send --session --dest=org.freedesktop.Notifications --print-reply \\
    /org/freedesktop/Notifications vn.kyso.e2e.Control.Invoke uint32:1 string:default

Debian's python3-dbus and python3-gi (scripts/install-deps).
"""

import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS_NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
IFACE = "org.freedesktop.Notifications"
CONTROL = "vn.kyso.e2e.Control"


def plain(v):
    """A D-Bus value as JSON (bytes as numbers, strings, lists, dicts)."""
    if isinstance(v, (dbus.Byte, dbus.Int16, dbus.Int32, dbus.Int64, dbus.UInt16, dbus.UInt32, dbus.UInt64)):
        return int(v)
    if isinstance(v, dbus.Boolean):
        return bool(v)
    if isinstance(v, (dbus.String, dbus.ObjectPath)):
        return str(v)
    if isinstance(v, dbus.Array):
        # Image data and the like: only their length.
        return [plain(x) for x in v] if len(v) <= 64 else f"<{len(v)} items>"
    if isinstance(v, dbus.Dictionary):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, dbus.Struct):
        return [plain(x) for x in v]
    return str(v)


class Notifications(dbus.service.Object):
    def __init__(self, bus, record):
        super().__init__(bus, PATH)
        self.record = record
        self.next_id = 1
        self.open = set()

    @dbus.service.method(IFACE, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body", "body-markup"]

    @dbus.service.method(IFACE, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ["kyso-e2e-notifications", "kyso", "1.0", "1.2"]

    @dbus.service.method(
        IFACE, in_signature="susssasa{sv}i", out_signature="u", sender_keyword="sender"
    )
    def Notify(self, app_name, replaces_id, app_icon, summary, body, actions, hints, expire_timeout, sender=None):
        nid = int(replaces_id) or self.next_id
        if not replaces_id:
            self.next_id += 1
        self.open.add(nid)
        entry = {
            "id": nid,
            "sender": str(sender),
            "app_name": str(app_name),
            "app_icon": str(app_icon),
            "summary": str(summary),
            "body": str(body),
            "actions": [str(a) for a in actions],
            "hints": {str(k): plain(v) for k, v in hints.items()},
            "expire_timeout": int(expire_timeout),
        }
        with open(self.record, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        print(f"Notify #{nid} from {sender}: {str(summary)!r}", flush=True)
        return dbus.UInt32(nid)

    @dbus.service.method(IFACE, in_signature="u", out_signature="")
    def CloseNotification(self, nid):
        if int(nid) in self.open:
            self.open.discard(int(nid))
            self.NotificationClosed(nid, dbus.UInt32(3))

    @dbus.service.signal(IFACE, signature="us")
    def ActionInvoked(self, nid, action_key):
        pass

    @dbus.service.signal(IFACE, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass

    @dbus.service.method(CONTROL, in_signature="us", out_signature="")
    def Invoke(self, nid, action_key):
        if int(nid) not in self.open:
            raise dbus.exceptions.DBusException(f"no open notification #{int(nid)}", name=CONTROL + ".NoSuchNotification")
        print(f"ActionInvoked #{int(nid)} {str(action_key)!r}", flush=True)
        self.ActionInvoked(dbus.UInt32(nid), action_key)
        self.open.discard(int(nid))
        self.NotificationClosed(dbus.UInt32(nid), dbus.UInt32(2))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fake-notifications.py RECORD.jsonl")
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(BUS_NAME, bus, do_not_queue=True)
    server = Notifications(bus, sys.argv[1])
    print(f"{BUS_NAME} on the session bus; recording to {sys.argv[1]}", flush=True)
    GLib.MainLoop().run()
    del name, server


if __name__ == "__main__":
    main()
