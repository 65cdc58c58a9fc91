"""Work on a project's services as Compose v2 schedules it (`InDependencyOrder`): each service
on a thread of its own as soon as its own dependencies reached a stage ("created",
"started"), not when a whole level did; `down` walks the graph the other way.  The events of
every thread come out of one generator, and the first failure is raised once the others ended,
so nothing is left half-done behind the error.
"""

from __future__ import annotations

import queue
import threading

_DONE = object()


class Skipped(BaseException):
    """A job stopped because the work was aborted (a failure elsewhere, Ctrl-C): not a failure."""


class Milestones:
    """Which service reached which stage; `wait` blocks until the dependencies did, and raises
    `Skipped` once the work is aborted."""

    def __init__(self):
        self._events: dict[tuple[str, str], threading.Event] = {}
        self._lock = threading.Lock()
        self.aborted = False

    def _event(self, key) -> threading.Event:
        with self._lock:
            event = self._events.get(key)
            if event is None:
                event = self._events[key] = threading.Event()
                if self.aborted:
                    event.set()
            return event

    def reach(self, service: str, stage: str) -> None:
        self._event((service, stage)).set()

    def wait(self, services, stage: str) -> None:
        for service in services:
            self._event((service, stage)).wait()
            if self.aborted:
                raise Skipped()
        if self.aborted:
            raise Skipped()

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            for event in self._events.values():
                event.set()


def concurrently(jobs, milestones: Milestones | None = None, grace: float = 30.0):
    """Run each generator of `jobs` on a thread of its own; yields their events as they come.
    A failure aborts `milestones` (jobs waiting for it are skipped) and is raised once every
    job ended.  Interrupted (Ctrl-C, the generator closed): no job goes past the call it is in,
    and those calls end (up to `grace` seconds) before this returns, so what exists is settled."""
    jobs = list(jobs)
    milestones = milestones or Milestones()
    inbox: queue.Queue = queue.Queue()
    failures: list[BaseException] = []

    def drive(job):
        try:
            for event in job:
                inbox.put(event)
                if milestones.aborted:
                    break   # interrupted, or failed elsewhere: stop after the call in flight
        except Skipped:
            pass
        except BaseException as exc:  # noqa: BLE001 -- handed to the caller's thread
            failures.append(exc)
            milestones.abort()
        finally:
            job.close()
            inbox.put(_DONE)

    threads = [threading.Thread(target=drive, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    running = len(jobs)
    try:
        while running:
            item = inbox.get()
            if item is _DONE:
                running -= 1
            else:
                yield item
    except BaseException:
        milestones.abort()
        for thread in threads:
            thread.join(grace)
        raise
    if failures:
        raise failures[0]


def walk(graph: dict[str, list[str]], job, reverse: bool = False, then=None):
    """`job(name)` (a generator) for every node of `graph` ({name: its dependencies}) once its
    dependencies' jobs ended (their dependents' with `reverse`, as `down` stops), then
    `then(name)` (nobody waits for it: `down` removes a stopped service's containers while the
    services it depends on stop); yields events."""
    after = {name: [d for d in deps if d in graph] for name, deps in graph.items()}
    if reverse:
        after = {name: [other for other, deps in after.items() if name in deps] for name in graph}
    milestones = Milestones()

    def one(name):
        milestones.wait(after[name], "done")
        try:
            yield from job(name)
        except BaseException:
            milestones.abort()   # before anyone sees this one done
            raise
        milestones.reach(name, "done")
        if then is not None:
            yield from then(name)

    yield from concurrently((one(name) for name in graph), milestones)
