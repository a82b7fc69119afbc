#!/usr/bin/env python3
"""Nornir: a SimpleInventory project, its threaded runner, and nornir_netmiko's tasks.

INVENTORY is a Nornir folder: its config.yaml is used when there is one, else the folder's
hosts.yaml, groups.yaml and defaults.yaml. Nornir's threaded runner polls num_workers hosts
at a time (20 unless the config or --workers says otherwise). Each host's task logs the
course's lines around netmiko_send_command and closes its connection when done, so a
session lasts as long as its command rather than the whole run.
"""

import os

from nornir import InitNornir
from nornir_netmiko.tasks import netmiko_send_command

from course_common import (Outcome, failure, finish, log_connection, log_received, parse_args,
                           setup_logging)


def device_of(host):
    return {"host": host.hostname, "port": host.port or 22}


def send_show(task, command):
    device = device_of(task.host)
    log_connection(device)
    try:
        r = task.run(task=netmiko_send_command, command_string=command, enable=True)
    finally:
        task.host.close_connections()
    log_received(device)
    return r.result


def init_nornir(path, workers):
    options = {}
    if workers:
        options["runner"] = {"plugin": "threaded", "options": {"num_workers": workers}}
    # Nornir logs to ./nornir.log by default: nothing is left in the caller's folder.
    options["logging"] = {"enabled": False}
    folder = path if os.path.isdir(path) else os.path.dirname(path) or "."
    config = path if path.endswith((".yaml", ".yml")) and os.path.basename(path) == "config.yaml" \
        else os.path.join(folder, "config.yaml")
    if os.path.exists(config):
        return InitNornir(config_file=config, **options)
    files = {k: os.path.join(folder, f"{v}.yaml") for k, v in
             (("host_file", "hosts"), ("group_file", "groups"), ("defaults_file", "defaults"))}
    return InitNornir(inventory={"plugin": "SimpleInventory", "options": files}, **options)


def main():
    args = parse_args(__doc__.splitlines()[0], None,
                      "default: the config's num_workers, else Nornir's 20")
    setup_logging()
    nr = init_nornir(args.inventory, args.workers)
    result = nr.run(task=send_show, command=args.command)
    outcomes = []
    for name, multi in result.items():
        device = device_of(nr.inventory.hosts[name])
        if multi.failed:
            err = next((r.exception for r in multi if r.exception), None)
            outcomes.append(failure(device, err or RuntimeError(str(multi[0].result))))
        else:
            outcomes.append(Outcome(device, output=multi[0].result))
    finish(outcomes, args)


if __name__ == "__main__":
    main()
