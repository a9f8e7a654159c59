"""Which face detector backs `faces`: OpenCV's Haar cascade or scikit-image's LBP cascade.

    .venv/bin/python -m bench.face_detectors

Both install from PyPI with their model inside the wheel. Measured on pictures
nobody here made, all shipped in scikit-image's wheel: the astronaut and the
cameraman (one face each; time and a hit), the 100 faces and 100 non-faces of
its LFW subset (25x25 crops, enlarged 4x onto a grey canvas so both detectors'
smallest window fits), and photos with no face (coffee, cat, rocket, horse,
motorcycle) for false alarms.
"""

import statistics
import time
from collections.abc import Callable

import numpy as np
from PIL import Image
from skimage import data

Detector = Callable[[np.ndarray], list[tuple[int, int, int, int]]]


def haar() -> Detector:
    import cv2

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def detect(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
        found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
        return [tuple(int(v) for v in box) for box in found]

    return detect


def lbp() -> Detector:
    from skimage.feature import Cascade

    cascade = Cascade(data.lbp_frontal_face_cascade_filename())

    def detect(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
        found = cascade.detect_multi_scale(
            grey,
            scale_factor=1.1,
            step_ratio=1,
            min_size=(24, 24),
            max_size=grey.shape,
            min_neighbor_number=4,
        )
        return [(f["c"], f["r"], f["width"], f["height"]) for f in found]

    return detect


def grey(picture: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(picture).convert("L"))


def canvas(crop: np.ndarray) -> np.ndarray:
    face = Image.fromarray((crop * 255).astype(np.uint8)).resize((100, 100), Image.LANCZOS)
    board = Image.new("L", (160, 160), 128)
    board.paste(face, (30, 30))
    return np.asarray(board)


def main() -> None:
    lfw = data.lfw_subset()
    faces, non_faces = [canvas(c) for c in lfw[:100]], [canvas(c) for c in lfw[100:]]
    portraits = {"astronaut": grey(data.astronaut()), "camera": data.camera()}
    empty = {
        name: grey(getattr(data, name)()) for name in ("coffee", "chelsea", "rocket", "horse")
    }
    empty["motorcycle"] = grey(data.stereo_motorcycle()[0])
    print(
        "| detector | astronaut ms | camera ms | astronaut / camera faces | "
        "LFW faces found | LFW non-faces flagged | face-free photos flagged |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, make in (("OpenCV Haar (frontalface_default)", haar), ("scikit-image LBP", lbp)):
        detect = make()
        times = {}
        for label, picture in portraits.items():
            detect(picture)
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                found = detect(picture)
                runs.append((time.perf_counter() - started) * 1000)
            times[label] = (statistics.median(runs), len(found))
        hits = sum(bool(detect(f)) for f in faces)
        false = sum(bool(detect(f)) for f in non_faces)
        flagged = sum(bool(detect(p)) for p in empty.values())
        print(
            f"| {name} | {times['astronaut'][0]:.1f} | {times['camera'][0]:.1f} | "
            f"{times['astronaut'][1]} / {times['camera'][1]} | {hits}/100 | {false}/100 | "
            f"{flagged}/{len(empty)} |"
        )


if __name__ == "__main__":
    main()
