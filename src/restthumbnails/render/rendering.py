"""How the service has a thumbnail rendered: in a killable process, or in this thread.

`renderpool.PoolRenderer` is the production path. `InlineRenderer` renders in
the request thread, as the first versions did: no process to start, engine
patches visible to tests, but a decoder stuck in C runs on past its deadline.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from ..core.spec import ThumbnailSpec
from .engine import EngineOptions
from .overload import Deadline, GenerationSlots


class Renderer(Protocol):
    def render(self, source: BinaryIO, spec: ThumbnailSpec) -> bytes: ...


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
