"""The Ray driver against one machine, byte for byte (timings aside).

Run by ``scripts/ray-test`` (after ``scripts/setup-python``):

    target/py/venv/bin/python -m unittest discover -s python/tests -v

* ``newsclean.ray clean`` on a local cluster of two worker nodes gives the
  output tree and report folder of ``newsclean clean`` on fixtures/corpus;
* the same when one worker node is killed while it runs an apply task
  (after the task wrote its outputs: Ray retries it on the other node,
  and the retry rewrites the same bytes);
* a file that cannot be decoded is a per-file failure with exit code 2
  and the same report as on one machine, and a whole file copied to the
  end of corpus order goes as a duplicate across shards.

Timings are left out as tests/staged.rs leaves them out: ``run.started``
and ``run.duration_ms`` of summary.json, and the line of index.html that
shows them (every run here is ``-j 2``, so the thread count is the same).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
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
        for k in ("started", "duration_ms"):
            assert v["run"].pop(k, None) is not None, f"run.{k} missing"
        return json.dumps(v, sort_keys=True, ensure_ascii=False).encode()
    if rel == "index.html":
        lines = data.decode("utf-8", "replace").split("\n")
        masked = ["<run line>" if " · started " in l else l for l in lines]
        assert "<run line>" in masked, "no run line in index.html"
        return "\n".join(masked).encode()
    return data


def one_machine(inputs: list, tmp: Path, *opts, at: str = "one") -> int:
    """`newsclean clean` in tmp/one (the wheel's command line: the
    binary's code) into out and report."""
    (tmp / at).mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "newsclean", "clean", *map(str, inputs),
         "--out", "out", "--report", "report", "--quiet", "-j", "2", *opts],
        cwd=tmp / at, env=ENV,
    )
    return r.returncode


def ray_driver(inputs: list, tmp: Path, *opts, at: str = "ray") -> subprocess.Popen:
    """`python -m newsclean.ray clean` in tmp/ray, the same names."""
    (tmp / at).mkdir()
    with open(tmp / "driver.err", "wb") as err:  # Ray's own logs: shown on failure
        return subprocess.Popen(
            [sys.executable, "-m", "newsclean.ray", "clean", *map(str, inputs),
             "--out", "out", "--report", "report", *opts, "--quiet", "-j", "2"],
            cwd=tmp / at, env=ENV, stderr=err,
        )


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class SameBytes(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="newsclean-ray-test-"))
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def assert_exit(self, p: subprocess.Popen, code: int, timeout=900):
        got = p.wait(timeout=timeout)
        if got != code:
            err = (self.tmp / "driver.err").read_bytes().decode("utf-8", "replace")
            self.fail(f"the driver exited {got}, not {code}; its stderr ends:\n{err[-6000:]}")

    def assert_same(self, label: str, one: str = "one", ray: str = "ray"):
        for part in ("out", "report"):
            a = tree(self.tmp / one / part)
            b = tree(self.tmp / ray / part)
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
        self.assert_exit(p, 0)
        self.assert_same("4 shards, 3 buckets, 2 nodes")
        work = [e for e in os.listdir(self.tmp / "ray") if e.startswith(".newsclean-work-")]
        self.assertEqual(work, [], "the work folder was not removed")

    def test_a_killed_worker_node_changes_nothing(self):
        # (ray itself: imported by cluster_utils)
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
        # the node it runs on: its worker process and its raylet, no grace.
        deadline = time.monotonic() + 600
        held = []
        while not held:
            self.assertIsNone(p.poll(), "the driver ended before an apply task held")
            self.assertLess(time.monotonic(), deadline, "no apply task held in 10 minutes")
            held = sorted(hold.glob("*.held"))
            time.sleep(0.1)
        _, pid, node_id = held[0].name.removesuffix(".held").split("-")
        victim = [n for n in nodes if n.node_id == node_id]
        self.assertEqual(len(victim), 1, f"{held[0].name}: no such worker node")
        os.kill(int(pid), signal.SIGKILL)
        cluster.remove_node(victim[0], allow_graceful=False)
        while alive(int(pid)):
            time.sleep(0.05)
        (hold / "go").write_text("")
        self.assert_exit(p, 0)
        # The held task ran again, on the other node.
        again = [h for h in hold.glob("*.held") if h.read_bytes() == held[0].read_bytes()]
        self.assertGreaterEqual(len(again), 2, f"{held[0].read_text()}: not retried")
        retries = [h.name for h in again if h != held[0]]
        self.assertTrue(all(node_id not in r for r in retries), f"retried on the killed node: {retries}")
        self.assert_same("one of two worker nodes killed during apply")

    def test_a_bad_file_is_a_per_file_failure(self):
        corpus = self.tmp / "corpus"
        shutil.copytree(CORPUS, corpus)
        shutil.copy(ROOT / "fixtures/encodings/invalid-utf8.txt", corpus / "mm-invalid-utf8.txt")
        (corpus / "zz").mkdir()
        shutil.copy(corpus / "xwlb/2018/20180910.txt", corpus / "zz/copy.txt")
        self.assertEqual(one_machine([corpus], self.tmp), 2)
        summary = json.loads((self.tmp / "one/report/summary.json").read_bytes())
        status = {f["path"]: f["status"] for f in summary["files"]}
        self.assertEqual(status.get("mm-invalid-utf8.txt"), "failed", status)
        self.assertEqual(status.get("zz/copy.txt"), "duplicate", status)
        p = ray_driver([corpus], self.tmp, "--shards", "3", "--local-workers", "2")
        self.assert_exit(p, 2)
        self.assert_same("a file that fails, a duplicate file across shards")

    def test_nightly_runs_with_an_index_give_the_one_machine_bytes(self):
        # Night 1: the fixture corpus; night 2: two of its files again and
        # a new one. Each side keeps its own index; the Ray driver passes
        # --index and --run-id to the stages, its report task commits.
        night2 = self.tmp / "night2"
        (night2 / "again").mkdir(parents=True)
        shutil.copy(CORPUS / "xwlb/2018/20180910.txt", night2 / "again/copy.txt")
        shutil.copy(CORPUS / "seed/xinhua-2021-08-05-dump.txt", night2 / "again/seed.txt")
        (night2 / "new.txt").write_text("第二天的新文章，只在这一夜出现，不是第一天任何段落的副本。\n", encoding="utf-8")
        for k, corpus in enumerate([CORPUS, night2]):
            run_id = ["--run-id", f"night{k}"]
            one = one_machine([corpus], self.tmp, "--index", str(self.tmp / "one.index"), *run_id, at=f"one{k}")
            self.assertEqual(one, 0)
            p = ray_driver([corpus], self.tmp, "--shards", "3", "--local-workers", "2",
                           "--index", str(self.tmp / "ray.index"), *run_id, at=f"ray{k}")
            self.assert_exit(p, 0)
            self.assert_same(f"night {k} with --index, 3 shards", f"one{k}", f"ray{k}")
        summary = json.loads((self.tmp / "ray1/report/summary.json").read_bytes())
        status = {f["path"]: f["status"] for f in summary["files"]}
        self.assertEqual(status.get("again/copy.txt"), "duplicate", status)


if __name__ == "__main__":
    unittest.main()
