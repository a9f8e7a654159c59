"""`serve` options that map one-to-one onto REST_THUMBNAILS_* settings.

One table, so that an option, its setting and its help text cannot drift apart;
a value the settings reject fails at start with the setting's own message.
"""

import argparse
from dataclasses import dataclass
from typing import Any

from ..conf import SETTINGS


@dataclass(frozen=True)
class SettingOption:
    flag: str
    setting: str
    type: Any
    help: str
    repeat: bool = False
    is_flag: bool = False
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    # False where the help says the default itself (serve's own, or none to show).
    shows_default: bool = True

    @property
    def full_help(self) -> str:
        """The help text, ending with the setting's default from conf's table."""
        if not self.shows_default:
            return self.help
        return f"{self.help} (default {SETTINGS[self.setting].shown_default})"

    @property
    def shown_as(self) -> str:
        """What --help shows for the value: never the internal dest name."""
        if self.metavar:
            return self.metavar
        return {int: "N", float: "SECONDS"}.get(self.type, "VALUE")


def _optional_path(value: str) -> str | None:
    return None if value.lower() in ("", "none", "off") else value


SETTING_OPTIONS = (
    SettingOption(
        "--lock-timeout",
        "LOCK_TIMEOUT",
        float,
        "seconds a thumbnail's lock lives at most, so a crashed worker blocks it no longer",
    ),
    SettingOption(
        "--lock-wait",
        "LOCK_WAIT",
        float,
        "seconds a request for a thumbnail being made waits for it; 0 answers 404 at once",
    ),
    SettingOption(
        "--max-source-pixels",
        "MAX_SOURCE_PIXELS",
        int,
        "refuse sources with more pixels, all frames counted",
    ),
    SettingOption(
        "--max-source-bytes",
        "MAX_SOURCE_BYTES",
        int,
        "refuse larger source files",
        metavar="BYTES",
    ),
    SettingOption("--max-dimension", "MAX_DIMENSION", int, "largest side a URL may ask for"),
    SettingOption(
        "--max-concurrent",
        "MAX_CONCURRENT",
        int,
        "render processes in the host's render pool, i.e. renders at once (default: one per core)",
        shows_default=False,
    ),
    SettingOption(
        "--max-queued",
        "MAX_QUEUED",
        int,
        "misses waiting for a free render process; beyond, 503 at once",
    ),
    SettingOption(
        "--queue-timeout",
        "QUEUE_TIMEOUT",
        float,
        "seconds a miss waits for a free render process before 503",
    ),
    SettingOption(
        "--generation-timeout",
        "GENERATION_TIMEOUT",
        float,
        "seconds after which a render's process is killed, 503",
    ),
    SettingOption(
        "--max-source-scans",
        "MAX_SOURCE_SCANS",
        int,
        "refuse JPEGs with more scans, from the header",
    ),
    SettingOption(
        "--max-source-frames",
        "MAX_SOURCE_FRAMES",
        int,
        "refuse animations with more frames, from the header",
    ),
    SettingOption(
        "--max-animation-pixels",
        "MAX_ANIMATION_PIXELS",
        int,
        "frames x output pixels an animated thumbnail may have, AVIF counted 5 times; "
        "beyond, the first frame only",
    ),
    SettingOption(
        "--render-memory-limit",
        "RENDER_MEMORY_LIMIT",
        int,
        "bytes of address space per render process, 0 for none",
        metavar="BYTES",
    ),
    SettingOption(
        "--failure-ttl",
        "FAILURE_TTL",
        float,
        "seconds a refused or timed-out source is answered from memory, 0 off",
    ),
    SettingOption(
        "--fallback-image",
        "FALLBACK_IMAGE",
        str,
        "image served, at the requested size, for missing or broken sources",
        metavar="PATH",
        shows_default=False,
    ),
    SettingOption(
        "--allow",
        "ALLOWED_THUMBNAILS",
        str,
        "allow only this SIZE/METHOD, e.g. 200x200/crop; repeat for more",
        repeat=True,
        metavar="SIZE/METHOD",
        shows_default=False,
    ),
    SettingOption(
        "--health-path",
        "HEALTH_PATH",
        _optional_path,
        "health check path, 'off' to disable",
        metavar="PATH",
    ),
    SettingOption(
        "--metrics-path",
        "METRICS_PATH",
        _optional_path,
        "Prometheus metrics path, 'off' to disable",
        metavar="PATH",
    ),
    SettingOption(
        "--source-format",
        "SOURCE_FORMATS",
        str.upper,
        "a source format to decode; repeat for each, the list replaces the default "
        "(JPEG, PNG, GIF, WEBP, and HEIF with the heif extra); TIFF, BMP and AVIF are opt-in",
        repeat=True,
        metavar="FORMAT",
        shows_default=False,
    ),
    SettingOption("--quality", "QUALITY", int, "JPEG/WebP/AVIF quality"),
    SettingOption(
        "--engine",
        "ENGINE",
        str,
        "pillow, or vips for faster PNG/WebP/GIF (pip install 'restthumbnails[vips]')",
        choices=("pillow", "vips"),
        shows_default=False,
    ),
    SettingOption(
        "--sendfile-escape",
        "SENDFILE_ESCAPE",
        bool,
        "percent-encode the X-Sendfile path (lighttpd with '%' in file names)",
        is_flag=True,
        shows_default=False,
    ),
)


def add_setting_options(parser: argparse.ArgumentParser) -> None:
    for option in SETTING_OPTIONS:
        if option.is_flag:
            parser.add_argument(
                option.flag,
                dest=_dest(option),
                action="store_const",
                const=True,
                default=None,
                help=option.full_help.replace("%", "%%"),  # argparse formats help with %
            )
            continue
        parser.add_argument(
            option.flag,
            dest=_dest(option),
            type=option.type,
            action="append" if option.repeat else "store",
            default=None,
            metavar=None if option.choices else option.shown_as,
            choices=option.choices,
            help=option.full_help.replace("%", "%%"),  # argparse formats help with %
        )


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """REST_THUMBNAILS_* values for the options given on the command line."""
    values: dict[str, Any] = {}
    for option in SETTING_OPTIONS:
        value = getattr(args, _dest(option))
        if value is not None:
            values["REST_THUMBNAILS_" + option.setting] = value
    return values


def _dest(option: SettingOption) -> str:
    return "setting_" + option.setting.lower()


def flag_for_setting(message: str) -> str:
    """A settings error as the command line user knows it: the flag, not the setting."""
    for option in SETTING_OPTIONS:
        message = message.replace(f"REST_THUMBNAILS_{option.setting} ", f"{option.flag} ")
    return message
