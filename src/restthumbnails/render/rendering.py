"""How the service has a thumbnail rendered: in a killable process, or in this thread.

`pool.client.PoolRenderer` is the production path. `InlineRenderer` renders in
the request thread, as the first versions did: no process to start, engine
patches visible to tests, but a decoder stuck in C runs on past its deadline.

A thumbnail bound for a local folder is written by whoever rendered it
(`render_into`): the bytes never travel back to the request side, which keeps
the lock while the write happens. One bound for a bucket or another storage
comes back as bytes (`render`) and the request side writes it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from ..core.spec import ThumbnailSpec
from ..storage.atomic import write_atomically
from .options import EngineOptions
from .overload import Deadline, GenerationSlots


class Renderer(Protocol):
    def render(self, source: BinaryIO, spec: ThumbnailSpec) -> bytes: ...

    def render_into(self, source: BinaryIO, spec: ThumbnailSpec, path: str) -> int:
        """Render and write the thumbnail atomically as the file `path`; its size in bytes.

        A failed write raises `storage.atomic.WriteFailed`."""
        ...


@dataclass(frozen=True)
class InlineRenderer:
    render_function: Callable[..., bytes]
    options: EngineOptions
    slots: GenerationSlots
    queue_timeout: float
    generation_timeout: float

    def render(self, source: BinaryIO, spec: ThumbnailSpec) -> bytes:
        with self.slots.slot(wait=self.queue_timeout):
            deadline = Deadline(self.generation_timeout)
            thumbnail = self.render_function(source, spec, self.options, checkpoint=deadline)
            deadline()  # the last chance to abandon: nothing is written yet
            return thumbnail

    def render_into(self, source: BinaryIO, spec: ThumbnailSpec, path: str) -> int:
        # The same write as the render processes do, in this thread.
        thumbnail = self.render(source, spec)
        write_atomically(path, thumbnail)
        return len(thumbnail)
