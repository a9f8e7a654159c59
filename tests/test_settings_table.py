"""conf's table of settings is the one place a default is written.

`serve --help` shows the table's defaults, the checks run in the table's order
with a bad value standing in as its default, and settings read outside
get_settings (WARM_ON_SAVE) go through the same table.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured

from restthumbnails import conf
from restthumbnails.server.cli import build_parser
from restthumbnails.server.options import SETTING_OPTIONS


def test_serve_help_gives_each_default_from_the_table(capsys) -> None:
    # Input: `restthumbnails serve --help`. Answer: "(default N)" with the
    # table's N for each option that shows one, and none typed twice into its help
    # (--max-concurrent says serve's own default, one per core, itself).
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    shown_defaults = [option for option in SETTING_OPTIONS if option.shows_default]
    assert len(shown_defaults) > 10
    for option in shown_defaults:
        default = conf.SETTINGS[option.setting].shown_default
        assert f"(default {default})" in shown, option.flag
    assert not [option.flag for option in shown_defaults if "(default" in option.help]


def test_every_bad_value_is_reported_at_once(settings) -> None:
    # Input: three bad settings, one of them (MAX_DIMENSION) what a later check
    # (PRESETS) is measured against. Answer: one message for each, the preset
    # judged against the default 4096.
    settings.REST_THUMBNAILS_MAX_DIMENSION = 0
    settings.REST_THUMBNAILS_QUALITY = 101
    settings.REST_THUMBNAILS_PRESETS = {"huge": ("5000x5000", "crop", "jpg")}
    with pytest.raises(conf.SettingsProblems) as raised:
        conf.get_settings()
    messages = raised.value.messages
    assert [m.split()[0] for m in messages] == [
        "REST_THUMBNAILS_MAX_DIMENSION",
        "REST_THUMBNAILS_QUALITY",
        "REST_THUMBNAILS_PRESETS",
    ]
    assert "4096" in messages[2]


def test_warm_on_save_is_read_through_the_table(settings) -> None:
    # Unset: the table's default; set: the mapping given, also while another
    # setting is bad (it is read before get_settings could be, at app start).
    assert conf.read("WARM_ON_SAVE") == {}
    settings.REST_THUMBNAILS_QUALITY = 0
    settings.REST_THUMBNAILS_WARM_ON_SAVE = {"shop.Product.photo": ["card"]}
    assert conf.read("WARM_ON_SAVE") == {"shop.Product.photo": ["card"]}
    with pytest.raises(ImproperlyConfigured):
        conf.get_settings()
