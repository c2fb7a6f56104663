"""Run ``newsclean clean`` on a Ray cluster, byte-identical to one machine.

    python -m newsclean.ray clean INPUT... --out OUT [--report DIR]
        [--shards N] [--buckets P] [--local-workers K | --address ADDR]
        [--work DIR] [--keep-work] [--max-retries R] [clean's options]

The run is the four staged subcommands of the command line, each a Ray
task that calls the native module in-process (Rust does all file I/O;
Ray only schedules and carries exit codes):

1. ``fingerprint INPUT... --work W --shard i/N --buckets P``   N tasks
2. ``resolve --work W --bucket j/P``                           P tasks
3. ``apply INPUT... --work W --shard i/N --out OUT --report R`` N tasks
4. ``report --work W --report R``                              1 task

The work folder, the inputs and the outputs must be one filesystem seen
at the same paths by every node (the local cluster: this machine; a real
cluster: a shared mount); every task runs in the driver's working
folder, so relative paths mean what they mean to the driver and the
report names them as ``newsclean clean`` would.

Without ``--address`` a local cluster is started on loopback: a head node
with no CPUs (it schedules, runs nothing) and K worker nodes
(``--local-workers``, 2 by default), stopped again at the end. With
``--address auto`` or ``--address ray://HOST:PORT`` (or a GCS
``HOST:PORT``) an existing cluster is used.

Exit code: that of ``newsclean clean`` on the same input. A stage that
fails as a whole (usage, configuration, unwritable folder: any code but
0, 1 and 2) stops the run with its code; per-file failures (2) are
recorded by the stages and reported as on one machine. A task whose
worker or node dies is retried by Ray (``--max-retries``); every stage
writes its outputs atomically, so the retry leaves the same bytes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

# Exit codes after which later stages still run: done, would change
# (--check), some files failed.
_GO_ON = (0, 1, 2)


def _say(msg: str) -> None:
    print(f"newsclean.ray: {msg}", file=sys.stderr, flush=True)


def _run_stage(cwd: str, argv: list, hold: str | None) -> tuple:
    """Body of every task: the subcommand in-process, in the driver's
    working folder. Returns (exit code, what it printed on stdout): the
    driver prints the report's summary line itself (a worker's stdout
    reaches the driver's terminal only through Ray's log forwarding,
    prefixed, and not always before the driver exits)."""
    from newsclean import _native

    os.chdir(cwd)
    sys.stdout.flush()
    saved = os.dup(1)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 1)
        try:
            code = _native.run(argv)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        captured.seek(0)
        printed = captured.read()
    if hold:
        _hold(hold, argv)
    return code, printed


def _hold(hold: str, argv: list) -> None:
    """Test hook (``--test-hold DIR:STAGE``): after a task of STAGE has
    written its outputs, say so in DIR and wait for DIR/go, so that a
    test can kill the node it runs on at a known point (the retry then
    rewrites outputs that already exist)."""
    folder, _, stage = hold.partition(":")
    if argv[0] != stage:
        return
    import ray

    node = ray.get_runtime_context().get_node_id()
    name = f"{argv[0]}-{os.getpid()}-{node}.held"
    tmp = os.path.join(folder, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(" ".join(argv))
    os.replace(tmp, os.path.join(folder, name))
    while not os.path.exists(os.path.join(folder, "go")):
        time.sleep(0.05)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        allow_abbrev=False,
        prog="python -m newsclean.ray",
        description="newsclean clean on a Ray cluster (fingerprint → resolve → apply → report as Ray tasks)",
        epilog="Other options are newsclean clean's and are passed to the fingerprint and apply stages.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("clean", help="clean INPUT... into --out, as `newsclean clean` would",
                       allow_abbrev=False)
    c.add_argument("inputs", nargs="+", metavar="INPUT")
    c.add_argument("--out", required=True, help="output folder (as newsclean clean --out)")
    c.add_argument("--report", help="report folder (default: OUT.report, as newsclean clean)")
    c.add_argument("--shards", type=int, default=4, metavar="N", help="fingerprint and apply tasks (default 4)")
    c.add_argument("--buckets", type=int, metavar="P", help="resolve tasks (default: as many as shards)")
    g = c.add_mutually_exclusive_group()
    g.add_argument("--local-workers", type=int, default=2, metavar="K",
                   help="start a local cluster of K worker nodes on 127.0.0.1 (default 2)")
    g.add_argument("--address", metavar="ADDR",
                   help="use a running cluster: auto, ray://HOST:PORT or HOST:PORT")
    c.add_argument("--cpus-per-worker", type=int, default=1, metavar="C",
                   help="CPUs of each local worker node (default 1)")
    c.add_argument("--work", metavar="DIR",
                   help="work folder shared by all tasks (default: a new folder beside OUT, removed after the run)")
    c.add_argument("--keep-work", action="store_true", help="keep the work folder after the run")
    c.add_argument("--max-retries", type=int, default=3, metavar="R",
                   help="retries of a task whose worker dies (default 3)")
    c.add_argument("-q", "--quiet", action="store_true",
                   help="no summary line, no per-stage lines (passed to every stage)")
    c.add_argument("--test-hold", help=argparse.SUPPRESS)
    return p


def _local_cluster(workers: int, cpus: int):
    from ray.cluster_utils import Cluster

    node_args = {"object_store_memory": 80 * 1024 * 1024, "include_dashboard": False}
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 0, "node_ip_address": "127.0.0.1", **node_args},
    )
    for _ in range(workers):
        cluster.add_node(num_cpus=cpus, node_ip_address="127.0.0.1",
                         object_store_memory=node_args["object_store_memory"])
    cluster.wait_for_nodes()
    return cluster


def _dir_bytes(path: str) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def _loopback(address: str | None) -> bool:
    host = (address or "127.0.0.1").removeprefix("ray://").rpartition(":")[0] or address
    return address is None or host in ("127.0.0.1", "localhost")


def clean(args: argparse.Namespace, extra: list) -> int:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if _loopback(args.address):
        # Ray replaces 127.0.0.1 by the machine's address (which a
        # sandbox may not route); this keeps a local cluster on loopback.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    import ray

    if args.shards < 1 or (args.buckets is not None and args.buckets < 1):
        _say("--shards and --buckets must be at least 1")
        return 64
    if args.quiet:
        extra = [*extra, "--quiet"]
    n = args.shards
    p = args.buckets or n
    report = args.report or (args.out.rstrip("/") + ".report")
    cwd = os.getcwd()
    made_work = args.work is None
    if made_work:
        parent = os.path.dirname(os.path.abspath(args.out)) or "."
        os.makedirs(parent, exist_ok=True)
        work = tempfile.mkdtemp(prefix=".newsclean-work-", dir=parent)
    else:
        work = args.work
        os.makedirs(work, exist_ok=True)

    cluster = None
    if args.address:
        ray.init(address=args.address, log_to_driver=True)
    else:
        if args.local_workers < 1:
            _say("--local-workers must be at least 1")
            return 64
        cluster = _local_cluster(args.local_workers, args.cpus_per_worker)
        ray.init(address=cluster.address, log_to_driver=True)
    try:
        task = ray.remote(num_cpus=1, max_retries=args.max_retries, retry_exceptions=False)(_run_stage)
        stages = [
            ("fingerprint", [["fingerprint", *args.inputs, "--work", work, "--shard", f"{i}/{n}",
                              "--buckets", str(p), *extra] for i in range(n)]),
            ("resolve", [["resolve", "--work", work, "--bucket", f"{j}/{p}"] for j in range(p)]),
            ("apply", [["apply", *args.inputs, "--work", work, "--shard", f"{i}/{n}",
                        "--out", args.out, "--report", report, *extra] for i in range(n)]),
            ("report", [["report", "--work", work, "--report", report, *(["--quiet"] if args.quiet else [])]]),
        ]
        worst = 0
        for name, argvs in stages:
            t0 = time.monotonic()
            done = ray.get([task.remote(cwd, a, args.test_hold) for a in argvs])
            secs = time.monotonic() - t0
            codes = [c for c, _ in done]
            # The report's summary line on stdout, as clean prints it; the
            # other stages' lines on stderr (progress, not the result).
            to = sys.stdout if name == "report" else sys.stderr
            if name == "report" or not args.quiet:
                for _, printed in done:
                    to.buffer.write(printed)
                to.flush()
            if not args.quiet:
                _say(f"{name}: {len(argvs)} tasks in {secs:.2f} s, exit codes {sorted(set(codes))}, "
                     f"work folder {_dir_bytes(work)} bytes")
            fatal = [c for c in codes if c not in _GO_ON]
            if fatal:
                _say(f"{name} failed (exit {fatal[0]}); later stages not run")
                return fatal[0]
            worst = max(worst, *codes)
        return worst
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
        if made_work and not args.keep_work:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep_work:
            _say(f"work folder kept: {work}")


def main(argv: list | None = None) -> int:
    args, extra = _parser().parse_known_args(argv)
    if args.command == "clean":
        return clean(args, extra)
    return 64


if __name__ == "__main__":
    sys.exit(main())
