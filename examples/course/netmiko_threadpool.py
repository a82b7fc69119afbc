#!/usr/bin/env python3
"""concurrent.futures: ThreadPoolExecutor.map, the shortest way to poll devices in threads.

map() hands every device to a pool of --workers threads (the course's default: 2) and yields
the results in the order of the devices. An exception raised in the pool would surface in
the loop that reads the results and end it there, so the function it runs (poll_one) turns
each device's failure into that device's result instead.
"""

from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

from course_common import finish, load_devices, parse_args, setup_logging
from course_netmiko import poll_one

COURSE_WORKERS = 2


def send_show_to_devices(devices, command, workers, executor=ThreadPoolExecutor):
    with executor(max_workers=workers) as pool:
        return list(pool.map(poll_one, devices, repeat(command)))


def main(executor=ThreadPoolExecutor, doc=__doc__):
    args = parse_args(doc.splitlines()[0], COURSE_WORKERS, f"default: {COURSE_WORKERS}")
    setup_logging()
    devices = load_devices(args.inventory)
    finish(send_show_to_devices(devices, args.command, args.workers, executor), args)


if __name__ == "__main__":
    main()
