#!/usr/bin/env python3
"""multiprocessing: worker processes take devices from a multiprocessing.Queue.

The same shape as netmiko_threading_queue.py with processes: each has its own interpreter and
its own GIL, so they also run Python code in parallel, at the price of starting a process
(and importing netmiko in it) and of pickling every result back through a pipe. The course
starts one process per device; that is the default here, and --workers W caps it.
"""

import multiprocessing
import queue

from course_common import address, failure, finish, load_devices, parse_args, setup_logging
from course_netmiko import poll_one


def worker(tasks, results, command):
    while True:
        device = tasks.get()
        if device is None:
            return
        results.put(poll_one(device, command))


def conn_processes(devices, command, workers):
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    for device in devices:
        tasks.put(device)
    processes = []
    for _ in range(workers):
        tasks.put(None)
        p = multiprocessing.Process(target=worker, args=(tasks, results, command))
        p.start()
        processes.append(p)
    # Read every result before join(): a process that has put a large result cannot exit
    # until its queue's pipe is drained, so joining first can wait forever. A worker that
    # died (killed, out of memory) never answers for its device: once every worker is gone
    # and the queue stays empty, the devices still missing are failed instead of awaited.
    outcomes = []
    while len(outcomes) < len(devices):
        try:
            outcomes.append(results.get(timeout=1))
        except queue.Empty:
            if not any(p.is_alive() for p in processes):
                break
    for p in processes:
        p.join()
    answered = {(o.host, o.port) for o in outcomes}
    lost = RuntimeError("its worker process died before reporting")
    outcomes += [failure(d, lost) for d in devices if address(d) not in answered]
    return outcomes


def main():
    args = parse_args(__doc__.splitlines()[0], None, "default: one process per device")
    setup_logging()
    devices = load_devices(args.inventory)
    workers = min(args.workers or len(devices), len(devices)) or 1
    finish(conn_processes(devices, args.command, workers), args)


if __name__ == "__main__":
    main()
