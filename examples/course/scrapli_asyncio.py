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
# How long to wait for the device to hang up after `exit`.
CLOSE_WAIT_S = 5.0


async def exit_and_wait(conn):
    """scrapli's own on_close for IOS-XE writes `exit` and the connection is closed at once,
    so the device may see its session dropped before it reads the `exit`. Like a person at a
    terminal, this one waits (briefly) for the device to close the channel first."""
    await conn.acquire_priv(desired_priv=conn.default_desired_privilege_level)
    conn.channel.write(channel_input="exit")
    conn.channel.send_return()
    stdin = getattr(conn.transport, "stdin", None)
    if stdin is not None:
        try:
            await asyncio.wait_for(stdin.channel.wait_closed(), CLOSE_WAIT_S)
        except asyncio.TimeoutError:
            pass


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
            on_close=exit_and_wait,
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
