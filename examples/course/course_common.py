"""What every poller of the course shares: arguments, the inventory, the log lines, the result.

Each script in this folder is one way of running the same job (connect to every router of a
netmiko ``devices.yaml``, enter enable mode, send one show command, collect the outputs);
only the concurrency part differs, so that part stays in the script and the plumbing is here.

Command line of every script::

    SCRIPT INVENTORY [COMMAND] [-w WORKERS] [--results FILE] [--quiet]

The log lines go to stderr, in the course's format (thread name, logger, level, then
``===> time Connection: device`` and ``<=== time Received:   device``); the outputs are
printed at the end as a ``{device: output}`` dict on stdout, like the course does. The exit
status is 0 when every device answered, 1 when any failed, 2 for bad usage.
"""

import argparse
import json
import logging
import sys
from datetime import datetime
from pprint import pprint

import yaml

DEFAULT_COMMAND = "sh ip int br"

# Keys a fleetbench or course inventory may carry that netmiko's ConnectHandler does not take.
NOT_FOR_NETMIKO = ("name", "kex", "hostkey", "ciphers", "macs")

log = logging.getLogger()


def parse_args(description, default_workers, workers_help):
    """The scripts' common command line. `default_workers` None means one per device."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("inventory", help="netmiko devices.yaml (a mapping of groups to lists, or a list)")
    p.add_argument("command", nargs="?", default=DEFAULT_COMMAND,
                   help=f"show command to send (default: {DEFAULT_COMMAND!r})")
    p.add_argument("-w", "--workers", type=int, default=default_workers,
                   help=f"concurrent sessions ({workers_help})")
    p.add_argument("--results", metavar="FILE",
                   help="also write one JSON line per device: host, port, ok, output, error")
    p.add_argument("--quiet", action="store_true", help="do not print the outputs at the end")
    args = p.parse_args()
    if args.workers is not None and args.workers < 1:
        p.error("--workers must be at least 1")
    return args


def setup_logging():
    """The course's log format; paramiko's own INFO lines would drown the course's lines."""
    logging.basicConfig(
        format="%(threadName)s %(name)s %(levelname)s: %(message)s",
        level=logging.INFO,
        stream=sys.stderr,
    )
    logging.getLogger("paramiko").setLevel(logging.WARNING)
    logging.getLogger("scrapli").setLevel(logging.WARNING)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)


def bad_input(message):
    """Exit status 2, like a usage error: the inventory cannot be used at all."""
    print(message, file=sys.stderr)
    sys.exit(2)


def load_devices(path):
    """The devices of a netmiko devices.yaml: a mapping of group name to a list, or a list."""
    try:
        with open(path) as f:
            data = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        bad_input(f"{path}: {e}")
    if isinstance(data, dict):
        devices = [d for group in data.values() if isinstance(group, list) for d in group]
    elif isinstance(data, list):
        devices = data
    else:
        bad_input(f"{path}: expected a list of devices or a mapping of groups to lists")
    for i, d in enumerate(devices):
        if not isinstance(d, dict) or not (d.get("host") or d.get("ip")):
            bad_input(f"{path}: device {i + 1} has neither host nor ip")
    return devices


def address(device):
    """(host, port) of a device."""
    return str(device.get("host") or device.get("ip")), int(device.get("port", 22))


def label(device):
    """How the log lines and the result name a device: its IP, with the port when not 22
    (an emulated fleet puts every router on 127.0.0.1)."""
    host, port = address(device)
    return host if port == 22 else f"{host}:{port}"


def netmiko_params(device):
    """The device as ConnectHandler keyword arguments."""
    params = {k: v for k, v in device.items() if k not in NOT_FOR_NETMIKO}
    params.setdefault("device_type", "cisco_ios")
    return params


def now():
    return datetime.now().time()


def log_connection(device):
    log.info(f"===> {now()} Connection: {label(device)}")


def log_received(device):
    log.info(f"<=== {now()} Received:   {label(device)}")


class Outcome:
    """One device's result: the output, or the error that stopped it."""

    def __init__(self, device, output=None, error=None):
        self.host, self.port = address(device)
        self.label = label(device)
        self.output = output
        self.error = error

    @property
    def ok(self):
        return self.error is None

    def line(self):
        return {"host": self.host, "port": self.port, "ok": self.ok,
                "output": self.output, "error": self.error}


def failure(device, exc):
    """An Outcome for an exception, logged the way the course logs failures."""
    error = f"{type(exc).__name__}: {exc}".strip()
    log.warning(f"<=== {now()} Failed:     {label(device)}: {error.splitlines()[0]}")
    return Outcome(device, error=error)


def finish(outcomes, args):
    """Prints the outputs, writes the results file, and exits 0 or 1."""
    outcomes = list(outcomes)
    if not args.quiet:
        pprint({o.label: o.output if o.ok else o.error for o in outcomes}, stream=sys.stdout)
    if args.results:
        with open(args.results, "w") as f:
            for o in outcomes:
                f.write(json.dumps(o.line()) + "\n")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        log.error(f"{len(failed)} of {len(outcomes)} devices failed")
        sys.exit(1)
