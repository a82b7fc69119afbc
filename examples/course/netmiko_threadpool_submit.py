#!/usr/bin/env python3
"""concurrent.futures: ThreadPoolExecutor.submit and as_completed, with exception handling.

submit() gives one Future per device; as_completed() yields them as they finish, whatever
their order, and future.result() re-raises the exception the device's session raised, so
each failure is caught where it is read (netmiko's timeout and authentication errors, and
anything else) and the other devices go on.
"""

from concurrent.futures import ThreadPoolExecutor, as_completed

from netmiko import NetmikoAuthenticationException, NetmikoTimeoutException

from course_common import Outcome, failure, finish, load_devices, parse_args, setup_logging
from course_netmiko import send_show

COURSE_WORKERS = 2


def send_show_to_devices(devices, command, workers, executor=ThreadPoolExecutor):
    outcomes = []
    with executor(max_workers=workers) as pool:
        futures = {pool.submit(send_show, device, command): device for device in devices}
        for future in as_completed(futures):
            device = futures[future]
            try:
                outcomes.append(Outcome(device, output=future.result()))
            except (NetmikoTimeoutException, NetmikoAuthenticationException) as e:
                outcomes.append(failure(device, e))
            except Exception as e:  # noqa: BLE001 - a refused port, a reset, a worker that died
                outcomes.append(failure(device, e))
    return outcomes


def main(executor=ThreadPoolExecutor, doc=__doc__):
    args = parse_args(doc.splitlines()[0], COURSE_WORKERS, f"default: {COURSE_WORKERS}")
    setup_logging()
    devices = load_devices(args.inventory)
    finish(send_show_to_devices(devices, args.command, args.workers, executor), args)


if __name__ == "__main__":
    main()
