"""Dashboard speed on a big database, measured through Textual's test pilot (headless, the real app).

    python bench/make_db.py 100000 --db bench/out/100k.db
    python bench/dashboard_speed.py --db bench/out/100k.db [--runs 5] [--rounds 3] [--user wang.fang] [--size 120x36]

Targets (issue 8): interactive ≤ 1.5 s after start; a search keystroke shows results ≤ 150 ms.
Every figure is printed as wall time and CPU time (all threads of the process), medians over several runs.

What is measured
- start → interactive, in a fresh Python process per run (``--runs``), from the moment the parent spawns it:
  interpreter start-up, imports, the app starting, the database opened, Home's queries, the first frames.
  "Interactive" = both of:
    * Home's data is on screen: Home is the current screen, all of its data (agenda, my customers, month,
      funnel, birthdays, side panels) has been put into its widgets, and a frame showing it has been rendered;
    * input is accepted: a key (↓ on the agenda) sent at that moment has been handled (the agenda cursor moved)
      and the frame showing it rendered.
  The run's figure is the later of the two; CPU is the child's process time (interpreter start-up included).
- a search keystroke, on the Customers screen, for a typing sequence mixing short (LIKE) and long (FTS) terms,
  repeated ``--rounds`` times: from the key event being handed to the app (what ``pilot.press`` does first) to
  the frame that shows the page of results for the new text, and, separately, to the frame with the number of
  matches in the status line (counted after the rows). Keys are measured one at a time (the app idle before each).
  ``pilot.press`` itself also waits for the app to be idle in ≥ 20 ms sleeps; the line "via pilot.press" gives
  the old measurement (press + wait + one more pilot pause) for comparison.
- Frames: the pilot runs headless, where Textual computes each frame but does not encode it for a terminal; the
  bench encodes it too (``render_segments``), so that CPU is counted as it would be in a terminal.

The database is copied first and upgraded outside the timed start (an upgrade is a one-off).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TYPING = ["明", "达", "电", "子", "backspace", "backspace", "backspace", "backspace", "王", "backspace",
          "1", "3", "8", "backspace", "backspace", "backspace", "a", "c", "m", "e"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--user", default="wang.fang")
    parser.add_argument("--size", default="120x36")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes timed for the start")
    parser.add_argument("--rounds", type=int, default=3, help="times the typing sequence is repeated")
    parser.add_argument("--child-start", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-start", action="store_true", help="only the keystrokes")
    parser.add_argument("--skip-keys", action="store_true", help="only the start")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    if args.child_start:
        asyncio.run(child_start(args.db, args.user, (width, height)))
        return
    work = Path(tempfile.mkdtemp())
    db = work / "bench.db"
    shutil.copy(args.db, db)
    from crm_cli.db.engine import Database

    t = time.perf_counter()
    Database(db).open().dispose()
    print(f"upgrade/open of the copy (not timed below): {1000 * (time.perf_counter() - t):.0f} ms")
    try:
        if not args.skip_start:
            bench_start(db, args)
        if not args.skip_keys:
            asyncio.run(bench_keys(db, args.user, (width, height), args.rounds))
    finally:
        shutil.rmtree(work)


# ------------------------------------------------------------------------------------------------ frames


class Frames:
    """Wraps the app's ``_display`` (called with each frame the compositor renders): encodes the frame as a
    terminal would, and lets the bench wait for the first frame rendered once a condition holds."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._display = app._display
        self.waiting: list[tuple[Any, asyncio.Future[tuple[float, float]]]] = []
        app._display = self.display

    def display(self, screen: Any, renderable: Any) -> None:
        self._display(screen, renderable)
        if renderable is None:
            return
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(self.app.console)  # the encoding a real terminal would get
        now = (time.perf_counter(), time.process_time())
        for item in list(self.waiting):
            condition, future = item
            if condition():
                self.waiting.remove(item)
                if not future.done():
                    future.set_result(now)

    def expect(self, condition: Any) -> asyncio.Future[tuple[float, float]]:
        """A future for (perf_counter, process_time) of the first frame rendered once ``condition()`` is true."""
        future: asyncio.Future[tuple[float, float]] = asyncio.get_running_loop().create_future()
        self.waiting.append((condition, future))
        return future

    async def shown(self, condition: Any, timeout: float = 30.0) -> tuple[float, float]:
        return await self.wait(self.expect(condition), timeout)

    async def wait(self, future: asyncio.Future[tuple[float, float]], timeout: float = 30.0) -> tuple[float, float]:
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise SystemExit("timed out waiting for the dashboard") from None


def send_key(app: Any, key: str) -> None:
    """Hand a key event to the app the way ``pilot.press`` does (without its idle waits)."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)


# ------------------------------------------------------------------------------------------------ start


def home_loaded(app: Any) -> bool:
    """Home is the current screen with all its data in its widgets, and no table waits to lay out new rows (a
    DataTable measures added rows when the app is next idle: until then the frame shows no rows)."""
    from textual.widgets import DataTable

    from crm_cli.tui.screens.home import HomeScreen

    screen = app.screen
    if not (isinstance(screen, HomeScreen) and getattr(screen, "loaded", getattr(screen, "data", None) is not None)):
        return False
    return not any(table._require_update_dimensions for table in screen.query(DataTable))


async def child_start(db: Path, user: str, size: tuple[int, int]) -> None:
    from crm_cli.tui.app import CrmApp

    marks = {"imported": time.time()}
    cpus = {"imported": time.process_time()}
    app = CrmApp(db, user, blink=False)
    async with app.run_test(size=size) as pilot:
        frames = Frames(app)
        wall, cpu = await frames.shown(lambda: home_loaded(app))
        marks["data"], cpus["data"] = time.time() - (time.perf_counter() - wall), cpu
        agenda = app.screen.query_one("#agenda")
        rows = agenda.row_count
        if rows >= 2:
            before = agenda.cursor_row
            send_key(app, "down")
            wall, cpu = await frames.shown(lambda: agenda.cursor_row != before)
            marks["input"], cpus["input"] = time.time() - (time.perf_counter() - wall), cpu
        await pilot.pause()
    print(json.dumps({"marks": marks, "cpus": cpus, "agenda_rows": rows}))


def bench_start(db: Path, args: argparse.Namespace) -> None:
    print(f"start → interactive, {args.runs} fresh processes (target ≤ 1500 ms)")
    results: dict[str, list[tuple[float, float]]] = {"imported": [], "data": [], "input": []}
    for _ in range(args.runs):
        t0 = time.time()
        out = subprocess.run([sys.executable, __file__, "--child-start", "--db", str(db), "--user", args.user,
                              "--size", args.size], capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(out.stderr)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        line = []
        for key in ("imported", "data", "input"):
            if key in data["marks"]:
                wall, cpu = data["marks"][key] - t0, data["cpus"][key]
                results[key].append((wall, cpu))
                line.append(f"{key} {wall * 1000:5.0f}/{cpu * 1000:5.0f}")
        print("  run: " + "   ".join(line) + "   (ms wall/cpu)")
    interactive = [max(d, i) for d, i in zip(results["data"], results["input"] or results["data"], strict=False)]
    for label, values in (("imports done (crm_cli.tui.app)", results["imported"]),
                          ("Home's data on screen", results["data"]), ("a key handled after it", results["input"]),
                          ("start → interactive", interactive)):
        if values:
            print(f"{label:32} median wall {_ms(statistics.median(v[0] for v in values))}   "
                  f"cpu {_ms(statistics.median(v[1] for v in values))}   "
                  f"(min wall {_ms(min(v[0] for v in values))})")


# ------------------------------------------------------------------------------------------------ keystrokes


async def bench_keys(db: Path, user: str, size: tuple[int, int], rounds: int) -> None:
    from crm_cli.tui.app import CrmApp

    app = CrmApp(db, user, blink=False)
    async with app.run_test(size=size) as pilot:
        frames = Frames(app)
        await wait_until(lambda: home_loaded(app))
        await settle(pilot)
        await pilot.press("f3")
        await wait_until(lambda: getattr(app.screen, "page", None) is not None)
        await settle(pilot)
        print(f"customers screen, first page            {app.screen.page.total_label} visible customers")
        walls: list[float] = []
        cpus: list[float] = []
        count_walls: list[float] = []
        for round_no in range(rounds):
            text = ""
            app.screen.query_one("#search").value = ""
            await settle(pilot)
            for key in TYPING:
                text = text[:-1] if key == "backspace" else text + key
                screen = app.screen
                w0, c0 = time.perf_counter(), time.process_time()
                rows_shown = frames.expect(
                    lambda t=text, s=screen: s.page is not None and (s.page.query.search or "") == t)
                count_shown = frames.expect(
                    lambda t=text, s=screen: s.page is not None and (s.page.query.search or "") == t
                    and s.page.total >= 0)
                send_key(app, key)
                w1, c1 = await frames.wait(rows_shown)
                w2, _c2 = await frames.wait(count_shown)
                walls.append(w1 - w0)
                cpus.append(c1 - c0)
                count_walls.append(w2 - w0)
                if round_no == 0:
                    page = screen.page
                    print(f"  keystroke → {text!r:12} {len(page.rows):3} rows   wall {walls[-1] * 1000:5.0f} ms   "
                          f"cpu {cpus[-1] * 1000:5.0f} ms   (count {page.total_label:>7} after "
                          f"{count_walls[-1] * 1000:5.0f} ms)")
                await settle(pilot)
        print(f"keystroke → rows on screen ({len(walls)} keys): median wall {_ms(statistics.median(walls))}, "
              f"max {_ms(max(walls))}; median cpu {_ms(statistics.median(cpus))}, max {_ms(max(cpus))} "
              f"(target ≤ 150 ms)")
        print(f"keystroke → match count in the status line: median wall {_ms(statistics.median(count_walls))}")
        await pilot_press_keys(app, pilot)


async def pilot_press_keys(app: Any, pilot: Any) -> None:
    """The previous session's measurement: pilot.press (which waits for idle) + poll + pilot.pause()."""
    screen = app.screen
    screen.query_one("#search").value = ""
    await settle(pilot)
    text = ""
    walls, cpus = [], []
    for key in TYPING:
        text = text[:-1] if key == "backspace" else text + key
        w, c = time.perf_counter(), time.process_time()
        await pilot.press(key)
        while not (screen.page is not None and (screen.page.query.search or "") == text):
            await asyncio.sleep(0.001)
        await pilot.pause()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        await settle(pilot)
    print(f"via pilot.press (includes the pilot's idle waits): median wall {_ms(statistics.median(walls))}, "
          f"median cpu {_ms(statistics.median(cpus))}")


async def wait_until(condition: Any, timeout: float = 30.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise SystemExit("timed out waiting for the dashboard")
        await asyncio.sleep(0.005)


async def settle(pilot: Any) -> None:
    """Until no worker runs and the app is idle (so that each key is measured on its own)."""
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return
        await asyncio.sleep(0.01)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:5.0f} ms"


if __name__ == "__main__":
    main()
