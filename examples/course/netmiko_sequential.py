#!/usr/bin/env python3
"""The baseline: one router after another, each session waiting for the last to end.

Its wall time is the sum of every session's time: what the concurrent versions improve on.
"""

from course_common import finish, load_devices, parse_args, setup_logging
from course_netmiko import poll_one


def send_show_to_devices(devices, command):
    return [poll_one(device, command) for device in devices]


def main():
    args = parse_args(__doc__.splitlines()[0], 1, "always 1: sequential")
    setup_logging()
    devices = load_devices(args.inventory)
    finish(send_show_to_devices(devices, args.command), args)


if __name__ == "__main__":
    main()
