/* FocalPointWidget: a click on the image writes "x,y" (fractions 0..1 of the
 * displayed image, which the browser shows upright) into the text input. */
(function () {
    "use strict";
    var ROOT = "[data-restthumbnails-focal-point]";

    function parse(text) {
        var parts = text.split(",");
        if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim()) {
            return null;
        }
        var x = Number(parts[0]), y = Number(parts[1]);
        if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) {
            return null;
        }
        return {x: x, y: y};
    }

    function fraction(value) {
        return String(Math.round(Math.min(1, Math.max(0, value)) * 10000) / 10000);
    }

    function parts(root) {
        return {
            input: root.querySelector("input"),
            image: root.querySelector(".restthumbnails-focal-point-frame img"),
            marker: root.querySelector(".restthumbnails-focal-point-marker"),
            clear: root.querySelector(".restthumbnails-focal-point-clear")
        };
    }

    function show(root) {
        var p = parts(root);
        if (!p.input || !p.marker) {
            return;
        }
        var point = parse(p.input.value);
        p.marker.hidden = point === null;
        if (point !== null) {
            p.marker.style.left = point.x * 100 + "%";
            p.marker.style.top = point.y * 100 + "%";
        }
        if (p.clear) {
            p.clear.hidden = p.input.value.trim() === "";
        }
    }

    function set(root, value) {
        var input = parts(root).input;
        input.value = value;
        input.dispatchEvent(new Event("change", {bubbles: true}));
        show(root);
    }

    document.addEventListener("click", function (event) {
        var target = event.target;
        var root = target instanceof Element ? target.closest(ROOT) : null;
        if (root === null) {
            return;
        }
        var p = parts(root);
        if (target === p.image) {
            var box = p.image.getBoundingClientRect();
            set(root, fraction((event.clientX - box.left) / box.width) + "," +
                fraction((event.clientY - box.top) / box.height));
        } else if (p.clear && p.clear.contains(target)) {
            set(root, "");
        }
    });

    document.addEventListener("input", function (event) {
        var root = event.target instanceof Element ? event.target.closest(ROOT) : null;
        if (root !== null) {
            show(root);
        }
    });

    function showAll() {
        document.querySelectorAll(ROOT).forEach(show);
    }
    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", showAll);
    } else {
        showAll();
    }
})();
