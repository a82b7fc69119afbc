#!/usr/bin/env python3
"""concurrent.futures: ProcessPoolExecutor.map: netmiko_threadpool.py with processes.

Going from threads to processes is one class name: the code is netmiko_threadpool.py's, run
with ProcessPoolExecutor. Each worker process has its own GIL (Python code runs in parallel
on every core) but starts its own interpreter, and every device and output crosses a pipe.
"""

from concurrent.futures import ProcessPoolExecutor

import netmiko_threadpool

if __name__ == "__main__":
    netmiko_threadpool.main(ProcessPoolExecutor, __doc__)
