"""`pip install 'restthumbnails[heif]'`: a phone's HEIC photo renders (pi-heif decodes).

pi-heif only decodes, so the HEIC source is written by the test venv's python with
pillow-heif (which bundles an encoder); this lane's venv holds the wheel and the
extra only."""

import json
import sys

from kit import (
    LANE_DIR,
    TOOLS_PYTHON,
    check,
    fetch_image,
    main,
    run,
    serve,
    signed_url,
    step,
)

WRITE_HEIC = """
import sys
from PIL import Image
try:
    import pillow_heif
except ImportError:
    sys.exit("the heif lane writes its HEIC source with pillow-heif, which the test venv "
             "(LANE_TOOLS_PYTHON) lacks: add pillow-heif to the `test` extra")
pillow_heif.register_heif_opener()
image = Image.new("RGB", (640, 480), (200, 60, 40))
image.paste((20, 90, 200), (0, 0, 320, 480))
image.save(sys.argv[1], format="HEIF", quality=90)
"""


def lane() -> None:
    images = LANE_DIR / "images"
    images.mkdir()
    source = images / "phone.heic"
    check(TOOLS_PYTHON, "LANE_TOOLS_PYTHON is not set")
    run(TOOLS_PYTHON, "-c", WRITE_HEIC, source)
    probe = run(
        sys.executable,
        "-c",
        "import json, sys; from PIL import Image; import pi_heif; "
        "pi_heif.register_heif_opener(); im = Image.open(sys.argv[1]); "
        "print(json.dumps([im.format, im.size]))",
        source,
    )
    check(json.loads(probe.stdout) == ["HEIF", [640, 480]], f"pi-heif reads {probe.stdout}")

    step("serve: a HEIC source to a JPEG thumbnail")
    _server, base_url = serve(images)
    check(
        fetch_image(signed_url("phone.heic", "200x150", "crop", "jpg", base_url)) == (200, 150),
        "the HEIC source's crop is not 200x150",
    )


main(lane)
