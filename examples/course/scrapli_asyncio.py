#!/usr/bin/env python3
"""asyncio: one event loop, one coroutine per device, scrapli's AsyncIOSXEDriver over asyncssh.

No threads and no processes: every session is a coroutine, and the loop switches between
them whenever one waits on the network. All sessions start at once by default; --workers W
lets at most W be open at a time (an asyncio.Semaphore). The command is sent in privileged
mode (scrapli enters enable mode with the device's secret when it opens the session).
"""

import asyncio

from scrapli.driver.core import AsyncIOSXEDriver

from course_common import (Outcome, address, failure, finish, load_devices, log_connection,
                           log_received, parse_args, setup_logging)

# scrapli's own default is 30 s per operation; the same deadline for the TCP connect and SSH.
TIMEOUT_S = 30.0


async def send_show(device, command, limit):
    host, port = address(device)
    async with limit:
        log_connection(device)
        conn = AsyncIOSXEDriver(
            host=host,
            port=port,
            auth_username=device.get("username", ""),
            auth_password=device.get("password", ""),
            auth_secondary=device.get("secret", ""),
            # An emulated fleet's host keys are new to every client, like a lab's.
            auth_strict_key=False,
            transport="asyncssh",
            timeout_socket=TIMEOUT_S,
            timeout_transport=TIMEOUT_S,
            timeout_ops=TIMEOUT_S,
        )
        async with conn:
            response = await conn.send_command(command)
        log_received(device)
        return response.result


async def send_show_to_devices(devices, command, workers):
    limit = asyncio.Semaphore(workers)
    tasks = [send_show(device, command, limit) for device in devices]
    # return_exceptions: one device's exception is its result, the others go on.
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return [
        failure(d, r) if isinstance(r, BaseException) else Outcome(d, output=r)
        for d, r in zip(devices, results)
    ]


def main():
    args = parse_args(__doc__.splitlines()[0], None, "default: every device at once")
    setup_logging()
    devices = load_devices(args.inventory)
    workers = args.workers or max(len(devices), 1)
    finish(asyncio.run(send_show_to_devices(devices, args.command, workers)), args)


if __name__ == "__main__":
    main()
