#!/usr/bin/env python3
"""threading: worker threads take devices from a queue.Queue and put results on another.

The course starts one thread per device, each putting its output on a Queue that the main
thread reads once all have joined; that is the default here. With --workers W, W threads
share the devices instead (a Queue of tasks ended by one None per thread), which is how the
same idea scales to a fleet larger than the threads a machine should run. Threads share one
interpreter and its GIL: they overlap while waiting on the network, not while computing.
"""

import threading
from queue import Queue

from course_common import finish, load_devices, parse_args, setup_logging
from course_netmiko import poll_one


def worker(tasks, results, command):
    while True:
        device = tasks.get()
        if device is None:
            return
        results.put(poll_one(device, command))


def conn_threads(devices, command, workers):
    tasks, results = Queue(), Queue()
    for device in devices:
        tasks.put(device)
    threads = []
    for _ in range(workers):
        tasks.put(None)
        t = threading.Thread(target=worker, args=(tasks, results, command))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    return [results.get() for _ in devices]


def main():
    args = parse_args(__doc__.splitlines()[0], None, "default: one thread per device")
    setup_logging()
    devices = load_devices(args.inventory)
    workers = min(args.workers or len(devices), len(devices)) or 1
    finish(conn_threads(devices, args.command, workers), args)


if __name__ == "__main__":
    main()
