#!/usr/bin/python3
"""The app's top-level X windows, seen as a window manager sees them (Xvfb runs none).

  x11.py visible   print the ids of viewable windows titled "ScimDesk", one a line
  x11.py close     send each of them WM_DELETE_WINDOW, as a window manager's close button does
"""
import sys

from Xlib import X, display, protocol

TITLE = "ScimDesk"


def windows(d):
    pending = [d.screen().root]
    while pending:
        w = pending.pop()
        try:
            if w.get_wm_name() == TITLE and w.get_attributes().map_state == X.IsViewable:
                yield w
            pending.extend(w.query_tree().children)
        except Exception:  # a window that went away while we looked
            continue


def main():
    d = display.Display()
    found = list(windows(d))
    if sys.argv[1:] == ["visible"]:
        for w in found:
            print(hex(w.id))
    elif sys.argv[1:] == ["close"]:
        protocols, delete = d.intern_atom("WM_PROTOCOLS"), d.intern_atom("WM_DELETE_WINDOW")
        for w in found:
            event = protocol.event.ClientMessage(window=w, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
            w.send_event(event)
            print(hex(w.id))
        d.flush()
    else:
        sys.exit(__doc__)


main()
