"""Run the parsing pipeline in a separate, limited process.

A hostile or broken PDF can hang a parser or explode in memory. The pipeline therefore runs
as `python -m reports.pipeline --full FILE` in a child process with an address-space limit,
a CPU limit and a wall-clock timeout; whatever happens to the child, the caller gets a
result dict or a ParseFailure with a message a firm clerk can act on.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import default_storage

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parent.parent


class ParseFailure(Exception):
    """Why a parse ended without a result: a stable code and the clerk's Chinese message.

    Not a frozen dataclass: raising sets __traceback__ on the instance, which a frozen
    dataclass refuses, turning every timeout or memory kill into a FrozenInstanceError.
    """

    def __init__(self, code: str, message: str):
        super().__init__(code, message)
        self.code = code
        self.message = message

    def fresh(self) -> ParseFailure:
        """A new instance to raise, so module constants never carry a previous traceback."""
        return ParseFailure(self.code, self.message)


TIMEOUT = ParseFailure(
    "parse_timeout", "解析超时：文件过于复杂或已损坏。请检查PDF能否正常打开，必要时重新导出后上传。"
)
OUT_OF_MEMORY = ParseFailure(
    "too_large:memory",
    "文件解析所需内存超出上限（可能含超大图片或已损坏）。请压缩图片后重新导出PDF。",
)
CRASHED = ParseFailure(
    "parse_crashed", "文件无法解析（解析程序异常退出）。请确认文件为正常的PDF后重新上传。"
)


def _limits(memory_bytes: int, cpu_seconds: int) -> None:
    """Runs in the child before exec: cap memory and CPU, own process group."""
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def run_pipeline(path: Path) -> dict[str, Any]:
    """Parse one local PDF in a limited child process; raises ParseFailure."""
    limits = settings.REPORTS
    timeout = limits["parse_timeout_seconds"]
    memory = limits["parse_memory_bytes"]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(ROOT),
        "OMP_THREAD_LIMIT": "1",  # tesseract's OpenMP threads thrash on small machines
    }
    command = [
        sys.executable,
        "-m",
        "reports.pipeline",
        "--full",
        "--max-pages",
        str(limits["max_pages"]),
        str(path),
    ]
    try:
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            env=env,
            preexec_fn=lambda: _limits(memory, timeout),
        )
    except (OSError, subprocess.SubprocessError) as e:
        # The limits themselves can stop the child from starting (too little memory).
        raise OUT_OF_MEMORY.fresh() from e
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise TIMEOUT.fresh() from None
    if proc.returncode != 0:
        text = err.decode("utf-8", "replace")
        if "MemoryError" in text or proc.returncode in (
            -signal.SIGKILL,
            -signal.SIGSEGV,
            -signal.SIGABRT,
        ):
            raise OUT_OF_MEMORY.fresh()
        if proc.returncode == -signal.SIGXCPU:
            raise TIMEOUT.fresh()
        raise CRASHED.fresh()
    try:
        return json.loads(out.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise CRASHED.fresh() from None


@contextmanager
def local_copy(key: str) -> Iterator[Path]:
    """A local file for a stored object (S3 objects are downloaded to a temporary file)."""
    try:
        local = default_storage.path(key)
    except NotImplementedError:
        local = None
    if local is not None:
        yield Path(local)
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp, default_storage.open(key, "rb") as src:
        for chunk in iter(lambda: src.read(1024 * 1024), b""):
            tmp.write(chunk)
        tmp.flush()
        yield Path(tmp.name)
