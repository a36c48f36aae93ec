"""`manage.py status`: for cron jobs and monitoring. Prints the last beat tick, the workers
seen and the outbox backlog; exits 1 when beat is silent for 3 minutes or a due message has
waited over 10 (clinic.system_status), 0 otherwise. `--json` prints one JSON object."""

import json

from django.core.management.base import BaseCommand

from clinic.system_status import collect, human


class Command(BaseCommand):
    help = "Report beat, workers and the outbox backlog; exit 1 when reminders are not going out."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="One JSON object instead of lines.")

    def handle(self, *args, **options):
        status = collect()
        if options["json"]:
            self.stdout.write(json.dumps(self._as_dict(status)))
        else:
            self._print(status)
        if not status.healthy:
            raise SystemExit(1)

    def _print(self, status) -> None:
        write = self.stdout.write
        if beat := status.beat:
            write(f"beat: last tick {human(beat.age)} ago ({beat.hostname}, pid {beat.pid})")
        else:
            write("beat: never seen")
        if not status.workers:
            write("workers: none seen in the last day")
        for worker in status.workers:
            state = "up" if worker.alive else "silent"
            write(f"worker {worker.name}: {state}, last seen {human(worker.age)} ago (pid {worker.pid})")
        oldest = human(status.oldest_due_age) if status.oldest_due_age is not None else "-"
        write(f"outbox: {status.due_count} due, oldest waiting {oldest}; {status.failed_count} failed")
        for problem in status.problems:
            self.stderr.write(f"PROBLEM: {problem}")
        write("status: OK" if status.healthy else "status: PROBLEM")

    @staticmethod
    def _as_dict(status) -> dict:
        def seconds(delta):
            return None if delta is None else round(delta.total_seconds())

        return {
            "ok": status.healthy,
            "problems": status.problems,
            "beat": None if status.beat is None else {
                "hostname": status.beat.hostname, "pid": status.beat.pid,
                "seen_at": status.beat.seen_at.isoformat(), "age_seconds": seconds(status.beat.age),
            },
            "workers": [
                {"name": w.name, "alive": w.alive, "seen_at": w.seen_at.isoformat(),
                 "age_seconds": seconds(w.age)}
                for w in status.workers
            ],
            "outbox": {"due": status.due_count, "oldest_due_age_seconds": seconds(status.oldest_due_age),
                       "failed": status.failed_count},
        }
