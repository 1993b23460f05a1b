"""Can this machine show the window? Checked before Qt loads, so a missing library or
display ends in one sentence and exit status 1, never in Qt's abort (status 134).

Qt's xcb platform plugin needs libraries a fresh Debian/Ubuntu desktop may lack, and Qt then
blames the wrong one (pitfalls.md #13): each one is checked here by loading it, and the
missing ones are named by their Debian package. `scripts/install-system-deps` installs them.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable, Mapping

# Debian package -> the shared library Qt's xcb plugin loads (pitfalls.md #6 and #13).
XCB_LIBRARIES = {
    "libxcb1": "libxcb.so.1",
    "libxkbcommon-x11-0": "libxkbcommon-x11.so.0",
    "libxcb-cursor0": "libxcb-cursor.so.0",
    "libxcb-icccm4": "libxcb-icccm.so.4",
    "libxcb-keysyms1": "libxcb-keysyms.so.1",
    "libxcb-image0": "libxcb-image.so.0",
    "libxcb-randr0": "libxcb-randr.so.0",
    "libxcb-render-util0": "libxcb-render-util.so.0",
    "libxcb-shape0": "libxcb-shape.so.0",
    "libxcb-xfixes0": "libxcb-xfixes.so.0",
    "libxcb-sync1": "libxcb-sync.so.1",
    "libxcb-shm0": "libxcb-shm.so.0",
    "libx11-xcb1": "libX11-xcb.so.1",
    "libxcb-xkb1": "libxcb-xkb.so.1",
}
# Needed by every platform plugin, offscreen included.
BASE_LIBRARIES = {
    "libglib2.0-0": "libglib-2.0.so.0",
    "libgl1": "libGL.so.1",
    "libegl1": "libEGL.so.1",
    "libfontconfig1": "libfontconfig.so.1",
    "libfreetype6": "libfreetype.so.6",
    "libxkbcommon0": "libxkbcommon.so.0",
    "libdbus-1-3": "libdbus-1.so.3",
}
NO_SCREEN_NEEDED = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
INSTALL_HINT = "scripts/install-system-deps"


def _loads(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_packages(packages: Mapping[str, str],
                     loads: Callable[[str], bool] = _loads) -> list[str]:
    """The Debian packages of `packages` whose library does not load."""
    return [package for package, soname in packages.items() if not loads(soname)]


def platform_name(env: Mapping[str, str]) -> str:
    """The Qt platform plugin Qt will pick on Linux (QT_QPA_PLATFORM, else by session)."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if chosen:
        return chosen
    if env.get("WAYLAND_DISPLAY") and (not env.get("DISPLAY")
                                       or env.get("XDG_SESSION_TYPE") == "wayland"):
        return "wayland"
    return "xcb"


def _x_server_answers(display: str) -> bool:
    """Whether an X server answers at `display` (libxcb, which Qt loads anyway)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(conn) and xcb.xcb_connection_has_error(conn) == 0
    finally:
        if conn:
            xcb.xcb_disconnect(conn)


def display_problem(env: Mapping[str, str] | None = None,
                    loads: Callable[[str], bool] = _loads,
                    x_answers: Callable[[str], bool] = _x_server_answers) -> str | None:
    """One sentence saying why the window cannot open here, or None when it can (as far as
    can be told before Qt loads). Only Linux is checked; elsewhere Qt brings what it needs."""
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if env is None else env
    platform = platform_name(env)
    missing = missing_packages(BASE_LIBRARIES, loads)
    if platform == "xcb":
        missing += missing_packages(XCB_LIBRARIES, loads)
    if missing:
        return (f"The window needs system libraries that are missing: {' '.join(missing)}. "
                f"Install them with: sudo {INSTALL_HINT} (or sudo apt-get install "
                f"{' '.join(missing)}); the command line works without them (caseapp --help).")
    if platform in NO_SCREEN_NEEDED:
        return None
    if platform == "wayland":
        return None if env.get("WAYLAND_DISPLAY") else (
            "There is no display to open the window on (WAYLAND_DISPLAY is not set): start "
            "caseapp in a desktop session, or use the command line (caseapp --help).")
    display = env.get("DISPLAY", "")
    if not display:
        return ("There is no display to open the window on (DISPLAY and WAYLAND_DISPLAY are "
                "not set): start caseapp in a desktop session, or use the command line "
                "(caseapp --help).")
    if platform == "xcb" and not x_answers(display):
        return (f"The display {display} does not answer: start caseapp in a desktop session "
                "(or check DISPLAY), or use the command line (caseapp --help).")
    return None
