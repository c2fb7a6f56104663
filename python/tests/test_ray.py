"""The Ray driver against one machine, byte for byte (timings aside).

Run by ``scripts/ray-test`` (after ``scripts/setup-python``):

    target/py/venv/bin/python -m unittest discover -s python/tests -v

* ``newsclean.ray clean`` on a local cluster of two worker nodes gives the
  output tree and report folder of ``newsclean clean`` on fixtures/corpus;
* the same when one worker node is killed while it runs an apply task
  (after the task wrote its outputs: Ray retries it on the other node,
  and the retry rewrites the same bytes);
* a file that cannot be read is a per-file failure with exit code 2 and
  the same report as on one machine.

Timings are left out as the Rust tests leave them out (tests/properties.rs,
tests/staged.rs): ``run.duration_ms``, ``run.started`` and ``run.threads``
of summary.json, and the line of index.html that shows them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "fixtures" / "corpus"
ENV = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
os.environ.update(ENV)  # the kill test starts its cluster in this process


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`, by relative path."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def without_timings(rel: str, data: bytes) -> bytes:
    if rel == "summary.json":
        v = json.loads(data)
        for k in ("duration_ms", "started", "threads"):
            assert v["run"].pop(k, None) is not None, f"run.{k} missing"
        return json.dumps(v, sort_keys=True, ensure_ascii=False).encode()
    if rel == "index.html":
        lines = data.decode("utf-8", "replace").split("\n")
        return "\n".join(
            "<run info>" if ("started" in l and "thread" in l) else l for l in lines
        ).encode()
    return data


def one_machine(inputs: list, cwd: Path, extra=()) -> int:
    """`newsclean clean` (the wheel's command line, the binary's code)."""
    r = subprocess.run(
        [sys.executable, "-m", "newsclean", "clean", *map(str, inputs),
         "--out", "one/out", "--report", "one/report", "--quiet", *extra],
        cwd=cwd, env=ENV,
    )
    return r.returncode


def ray_driver(inputs: list, cwd: Path, *opts, extra=()) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsclean.ray", "clean", *map(str, inputs),
         "--out", "ray/out", "--report", "ray/report", *opts, "--quiet", *extra],
        cwd=cwd, env=ENV,
    )


class SameBytes(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="newsclean-ray-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def assert_same(self, label: str):
        for part in ("out", "report"):
            a = tree(self.tmp / "one" / part)
            b = tree(self.tmp / "ray" / part)
            self.assertTrue(a, f"one-machine {part} is empty")
            self.assertEqual(sorted(a), sorted(b), f"{label}: files of {part} differ")
            for rel in a:
                self.assertEqual(
                    without_timings(rel, a[rel]), without_timings(rel, b[rel]),
                    f"{label}: {part}/{rel} differs from the one-machine run",
                )

    def test_local_cluster_gives_the_one_machine_bytes(self):
        self.assertEqual(one_machine([CORPUS], self.tmp), 0)
        p = ray_driver([CORPUS], self.tmp, "--shards", "4", "--buckets", "3", "--local-workers", "2")
        self.assertEqual(p.wait(), 0)
        self.assert_same("4 shards, 3 buckets, 2 nodes")
        work = [e for e in os.listdir(self.tmp / "ray") if e.startswith(".newsclean-work-")]
        self.assertEqual(work, [], "the work folder was not removed")

    def test_a_killed_worker_node_changes_nothing(self):
        import ray
        from ray.cluster_utils import Cluster

        self.assertEqual(one_machine([CORPUS], self.tmp), 0)
        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 0, "node_ip_address": "127.0.0.1",
                            "include_dashboard": False, "object_store_memory": 80 << 20},
        )
        self.addCleanup(cluster.shutdown)
        nodes = [cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1",
                                  object_store_memory=80 << 20) for _ in range(2)]
        cluster.wait_for_nodes()
        hold = self.tmp / "hold"
        hold.mkdir()
        p = ray_driver([CORPUS], self.tmp, "--shards", "4", "--address", cluster.address,
                       "--test-hold", f"{hold}:apply")
        self.addCleanup(lambda: p.poll() is None and p.kill())
        # Wait for an apply task that has written its outputs, then kill
        # the node it runs on (raylet and workers, no grace).
        deadline = time.monotonic() + 600
        held = []
        while not held:
            self.assertIsNone(p.poll(), "the driver ended before an apply task held")
            self.assertLess(time.monotonic(), deadline, "no apply task held in 10 minutes")
            held = sorted(hold.glob("*.held"))
            time.sleep(0.1)
        node_id = held[0].name.rsplit("-", 1)[1].removesuffix(".held")
        victim = [n for n in nodes if n.node_id == node_id]
        self.assertEqual(len(victim), 1, f"{held[0].name}: no such worker node")
        cluster.remove_node(victim[0], allow_graceful=False)
        (hold / "go").write_text("")
        self.assertEqual(p.wait(timeout=900), 0)
        self.assert_same("one of two worker nodes killed during apply")

    def test_a_bad_file_is_a_per_file_failure(self):
        corpus = self.tmp / "corpus"
        shutil.copytree(CORPUS, corpus)
        bad = next(p for p in sorted(corpus.rglob("*.txt")))
        bad.chmod(0)
        if os.access(bad, os.R_OK):  # root reads anything: use a bad encoding instead
            bad.chmod(0o644)
            bad.write_bytes(b"\xff\xfe\x00\xd8 broken UTF-16 \x00\xdc" * 3 + b"\x00" * 9)
        code = one_machine([corpus], self.tmp)
        p = ray_driver([corpus], self.tmp, "--shards", "3", "--local-workers", "2")
        self.assertEqual(p.wait(), code)
        self.assert_same("a bad file")


if __name__ == "__main__":
    unittest.main()
