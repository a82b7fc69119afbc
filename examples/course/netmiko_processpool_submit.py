#!/usr/bin/env python3
"""concurrent.futures: ProcessPoolExecutor.submit and as_completed, with exception handling.

netmiko_threadpool_submit.py with ProcessPoolExecutor: an exception raised in a worker
process is pickled back and re-raised by future.result(), so the handling is unchanged. A
worker process that dies outright breaks the pool: its futures raise BrokenProcessPool, which
the same handler records as those devices' failure.
"""

from concurrent.futures import ProcessPoolExecutor

import netmiko_threadpool_submit

if __name__ == "__main__":
    netmiko_threadpool_submit.main(ProcessPoolExecutor, __doc__)
