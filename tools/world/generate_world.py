#!/usr/bin/env python3
"""The world: a small procedurally generated visual world for lynxeval's embedded default.

Scenes are 112 x 112 pictures: a place (beach, forest, city, snow, desert, night), one to four
shapes (circle, square, triangle, cross) in eight colours and two sizes, sometimes a sign with a
printed word, sometimes an arrow; clips are 8 frames in which a shape moves, grows or stays. From
each scene come questions in the Open-VQA categories and formats, five reference captions (COCO
format), MME-style yes/no pairs (MME's release layout) and OwlEval-style open instructions.

Everything is a pure function of the seed and the split: this file uses its own random number
generator (splitmix64) and its own PNG writer (zlib at level 9), so the same seed gives
byte-identical files on any machine with the same zlib. Only the Python standard library is used.

usage: generate_world.py --split test --out DIR [--seed 2307]
       (splits: train, val, test; the test split ships in datasets/world/test)
"""
import argparse
import base64
import json
import os
import shutil
import struct
import zlib

SEED = 2307  # the arXiv number of the Lynx paper
SIZE = 112   # pixels; 8 x 8 patches of 14
FRAMES = 8   # frames per clip

# How much of each split to make: (image scenes, clips, caption scenes, MME images per subtask,
# OwlEval items).
SPLITS = {
    "train": (6000, 1600, 3000, 150, 0),
    "val": (150, 50, 60, 4, 0),
    "test": (160, 60, 80, 10, 10),
}
SPLIT_SALT = {"train": 1, "val": 2, "test": 3}

COLOURS = {
    "red": (220, 40, 40), "green": (40, 170, 60), "blue": (40, 80, 220), "yellow": (240, 210, 40),
    "purple": (150, 60, 190), "orange": (245, 140, 30), "white": (250, 250, 250), "black": (15, 15, 15),
}
SHAPES = ["circle", "square", "triangle", "cross"]
PLACES = ["beach", "forest", "city", "snow", "desert", "night"]
# colours a shape cannot have on a place (it would vanish into the background)
HIDDEN = {"snow": {"white"}, "night": {"black", "blue"}, "desert": {"orange", "yellow"},
          "forest": {"green"}, "beach": {"yellow"}, "city": set()}
WORDS = ["stop", "open", "cat", "sun", "bus", "tree", "milk", "book", "fish", "star", "shop", "park",
         "rain", "gold", "king", "door"]
DIRECTIONS = ["up", "down", "left", "right"]
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}

# ---- deterministic randomness -------------------------------------------------------------------


class Rng:
    """splitmix64: the same numbers on every Python version and machine."""

    def __init__(self, seed):
        self.state = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def below(self, n):
        return self.next() % n

    def between(self, lo, hi):  # inclusive
        return lo + self.below(hi - lo + 1)

    def choice(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, p):
        return self.next() < p * 2.0 ** 64

    def shuffle(self, seq):
        for i in range(len(seq) - 1, 0, -1):
            j = self.below(i + 1)
            seq[i], seq[j] = seq[j], seq[i]
        return seq

    def sample(self, seq, k):
        return self.shuffle(list(seq))[:k]


# ---- pictures -------------------------------------------------------------------------------------

# A 5 x 7 bitmap font for the letters the words use: each row a 5-bit mask, top row first.
FONT = {
    "a": [14, 17, 17, 31, 17, 17, 17], "b": [30, 17, 17, 30, 17, 17, 30], "c": [14, 17, 16, 16, 16, 17, 14],
    "d": [30, 17, 17, 17, 17, 17, 30], "e": [31, 16, 16, 30, 16, 16, 31], "f": [31, 16, 16, 30, 16, 16, 16],
    "g": [14, 17, 16, 23, 17, 17, 15], "h": [17, 17, 17, 31, 17, 17, 17], "i": [14, 4, 4, 4, 4, 4, 14],
    "k": [17, 18, 20, 24, 20, 18, 17], "l": [16, 16, 16, 16, 16, 16, 31], "m": [17, 27, 21, 21, 17, 17, 17],
    "n": [17, 25, 21, 19, 17, 17, 17], "o": [14, 17, 17, 17, 17, 17, 14], "p": [30, 17, 17, 30, 16, 16, 16],
    "r": [30, 17, 17, 30, 20, 18, 17], "s": [15, 16, 16, 14, 1, 1, 30], "t": [31, 4, 4, 4, 4, 4, 4],
    "u": [17, 17, 17, 17, 17, 17, 14], "y": [17, 17, 10, 4, 4, 4, 4],
}


class Canvas:
    def __init__(self, size=SIZE):
        self.w = self.h = size
        self.px = bytearray(size * size * 3)

    def put(self, x, y, c):
        if 0 <= x < self.w and 0 <= y < self.h:
            i = (y * self.w + x) * 3
            self.px[i:i + 3] = bytes(c)

    def rect(self, x0, y0, x1, y1, c):
        for y in range(max(0, y0), min(self.h, y1)):
            row = bytes(c) * (min(self.w, x1) - max(0, x0))
            i = (y * self.w + max(0, x0)) * 3
            self.px[i:i + len(row)] = row

    def circle(self, cx, cy, r, c):
        for y in range(cy - r, cy + r + 1):
            for x in range(cx - r, cx + r + 1):
                if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                    self.put(x, y, c)

    def triangle(self, cx, cy, r, c):
        for y in range(cy - r, cy + r + 1):
            half = (y - (cy - r)) * 3 // 4
            for x in range(cx - half, cx + half + 1):
                self.put(x, y, c)

    def cross(self, cx, cy, r, c):
        t = max(2, r // 3)
        self.rect(cx - r, cy - t, cx + r + 1, cy + t + 1, c)
        self.rect(cx - t, cy - r, cx + t + 1, cy + r + 1, c)

    def shape(self, kind, cx, cy, r, c):
        if kind == "circle":
            self.circle(cx, cy, r, c)
        elif kind == "square":
            self.rect(cx - r, cy - r, cx + r + 1, cy + r + 1, c)
        elif kind == "triangle":
            self.triangle(cx, cy, r, c)
        else:
            self.cross(cx, cy, r, c)

    def text(self, x, y, word, scale, c):
        for k, ch in enumerate(word):
            for row, bits in enumerate(FONT[ch]):
                for col in range(5):
                    if bits >> (4 - col) & 1:
                        self.rect(x + (k * 6 + col) * scale, y + row * scale,
                                  x + (k * 6 + col + 1) * scale, y + (row + 1) * scale, c)

    def arrow(self, cx, cy, direction, c):
        shaft = {"up": (cx - 3, cy - 6, cx + 4, cy + 16), "down": (cx - 3, cy - 16, cx + 4, cy + 6),
                 "left": (cx - 6, cy - 3, cx + 16, cy + 4), "right": (cx - 16, cy - 3, cx + 6, cy + 4)}
        self.rect(*shaft[direction], c)
        tip = {"up": (cx, cy - 17), "down": (cx, cy + 17), "left": (cx - 17, cy), "right": (cx + 17, cy)}[direction]
        for k in range(12):  # the head, 12 rows from its tip
            for s in range(-k, k + 1):
                dx, dy = {"up": (s, k), "down": (s, -k), "left": (k, s), "right": (-k, s)}[direction]
                self.put(tip[0] + dx, tip[1] + dy, c)

    def png(self):
        raw = b"".join(b"\0" + bytes(self.px[y * self.w * 3:(y + 1) * self.w * 3]) for y in range(self.h))

        def chunk(kind, data):
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def background(canvas, place, rng):
    s = canvas.w
    if place == "beach":
        canvas.rect(0, 0, s, s * 5 // 10, (120, 190, 240))
        canvas.rect(0, s * 5 // 10, s, s * 6 // 10, (30, 110, 190))
        canvas.rect(0, s * 6 // 10, s, s, (235, 215, 160))
    elif place == "forest":
        canvas.rect(0, 0, s, s, (25, 95, 40))
        for x in range(4, s, 18):
            canvas.rect(x, 0, x + 5, s, (90, 60, 30))
    elif place == "city":
        canvas.rect(0, 0, s, s, (150, 150, 155))
        for x in range(0, s, 22):
            top = 8 + (x * 7 % 30)
            canvas.rect(x + 2, top, x + 18, s, (95, 95, 105))
    elif place == "snow":
        canvas.rect(0, 0, s, s, (232, 238, 245))
        canvas.rect(0, s * 7 // 10, s, s, (205, 215, 228))
    elif place == "desert":
        canvas.rect(0, 0, s, s * 4 // 10, (250, 225, 170))
        canvas.rect(0, s * 4 // 10, s, s, (215, 160, 90))
    else:  # night
        canvas.rect(0, 0, s, s, (15, 20, 60))
        for _ in range(30):
            canvas.put(rng.below(s), rng.below(s), (255, 255, 230))


# ---- scenes ---------------------------------------------------------------------------------------

CELLS = [(x, y) for y in (24, 56, 88) for x in (22, 56, 90)]  # a 3 x 3 grid of object centres


def new_scene(rng, want_sign=False, want_arrow=False, count_shape=None, count=None):
    place = rng.choice(PLACES)
    colours = [c for c in COLOURS if c not in HIDDEN[place]]
    cells = rng.shuffle(list(CELLS))
    objects = []
    if count_shape:
        for _ in range(count):
            objects.append({"shape": count_shape, "colour": rng.choice(colours)})
        for _ in range(rng.below(2)):
            objects.append({"shape": rng.choice([s for s in SHAPES if s != count_shape]), "colour": rng.choice(colours)})
    else:
        for _ in range(rng.between(1, 3)):
            objects.append({"shape": rng.choice(SHAPES), "colour": rng.choice(colours)})
    sign = rng.choice(WORDS) if want_sign else None
    arrow = rng.choice(DIRECTIONS) if want_arrow else None
    if sign:  # the sign takes the top row of cells
        cells = [c for c in cells if c[1] != 24]
    if arrow:
        cells = [c for c in cells if c != (56, 56)]
    for o, (x, y) in zip(objects, cells):
        o["x"], o["y"] = x + rng.between(-3, 3), y + rng.between(-3, 3)
        o["size"] = rng.choice(["small", "large"])
    return {"place": place, "objects": objects[:len(cells)], "sign": sign, "arrow": arrow}


def radius(o):
    return 10 if o["size"] == "small" else 14


def draw(scene, rng):
    c = Canvas()
    background(c, scene["place"], rng)
    if scene["sign"]:
        w = len(scene["sign"]) * 18 + 6
        x0 = (SIZE - w) // 2
        c.rect(x0, 3, x0 + w, 3 + 27, (255, 255, 255))
        c.rect(x0, 30, x0 + w, 32, (60, 60, 60))
        c.text(x0 + 4, 6, scene["sign"], 3, (10, 10, 10))
    if scene["arrow"]:
        c.arrow(56, 56, scene["arrow"], (255, 255, 255) if scene["place"] != "snow" else (20, 20, 20))
    for o in scene["objects"]:
        c.shape(o["shape"], o["x"], o["y"], radius(o), COLOURS[o["colour"]])
    return c


def article(word):
    return "an" if word[0] in "aeiou" else "a"


def plural(shape, n):
    return shape if n == 1 else shape + "es" if shape == "cross" else shape + "s"


def describe_objects(objects):
    groups = {}
    for o in objects:
        groups.setdefault((o["colour"], o["shape"]), 0)
        groups[(o["colour"], o["shape"])] += 1
    parts = [(article(colour) if n == 1 else NUMBER_WORDS[n]) + f" {colour} {plural(shape, n)}"
             for (colour, shape), n in groups.items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# ---- questions --------------------------------------------------------------------------------------


def unique(objects, key, value):
    return [o for o in objects if o[key] == value]


def image_questions(scene, rng, counted=None):
    """(class, question, answer) triples the scene can answer unambiguously. counted: the shape a
    counting scene was made for (Counting questions are asked only there, so counts spread over
    1-4 instead of being mostly 1)."""
    qs = []
    objs = scene["objects"]
    place = scene["place"]
    qs.append(("Place", rng.choice(["Where was this picture taken?", "What kind of place is this?",
                                    "Where is this?"]), place))
    for o in objs:
        if len(unique(objs, "shape", o["shape"])) == 1:
            qs.append(("Color", rng.choice([f"What color is the {o['shape']}?", f"Which color does the {o['shape']} have?"]), o["colour"]))
        if len(unique(objs, "colour", o["colour"])) == 1:
            qs.append(("Others", rng.choice([f"What shape is the {o['colour']} object?", f"What is the {o['colour']} thing?"]), o["shape"]))
    shapes = sorted({o["shape"] for o in objs})
    if counted:
        n = len(unique(objs, "shape", counted))
        qs.append(("Counting", rng.choice([f"How many {plural(counted, 2)} are there?",
                                           f"How many {plural(counted, 2)} can you see?"]), str(n)))
    if scene["sign"]:
        qs.append(("OCR", rng.choice(["What does the sign say?", "What word is written on the sign?"]), scene["sign"]))
    if scene["arrow"]:
        qs.append(("Action", rng.choice(["Which way does the arrow point?", "In which direction is the arrow pointing?"]), scene["arrow"]))
    solo = [o for o in objs if len(unique(objs, "shape", o["shape"])) == 1 and o["x"] != 56]
    if solo:
        o = rng.choice(solo)
        side = "left" if o["x"] < 56 else "right"
        if rng.chance(0.5):
            qs.append(("Spatial", f"Which side of the picture is the {o['shape']} on?", side))
        else:
            asked = rng.choice(["left", "right"])
            qs.append(("Spatial", f"Is the {o['shape']} on the {asked} side?", "yes" if asked == side else "no"))
    if len(shapes) >= 2 or rng.chance(0.5):
        a, b = rng.sample(SHAPES, 2)
        na, nb = len(unique(objs, "shape", a)), len(unique(objs, "shape", b))
        if na != nb:
            qs.append(("Reasoning", f"Are there more {plural(a, 2)} than {plural(b, 2)}?", "yes" if na > nb else "no"))
    colour, shape = rng.choice(list(COLOURS)), rng.choice(SHAPES)
    if rng.chance(0.5) and objs:
        o = rng.choice(objs)
        colour, shape = o["colour"], o["shape"]
    present = any(o["colour"] == colour and o["shape"] == shape for o in objs)
    qs.append(("Reasoning", f"Is there {article(colour)} {colour} {shape} in the picture?", "yes" if present else "no"))
    return qs


def captions(scene, rng):
    objects, place = describe_objects(scene["objects"]), scene["place"]
    at = {"beach": "on a beach", "forest": "in a forest", "city": "in a city", "snow": "in the snow",
          "desert": "in a desert", "night": "at night"}[place]
    extra = f" next to a sign that says {scene['sign']}" if scene["sign"] else ""
    forms = [f"{objects} {at}{extra}", f"a picture of {objects} {at}", f"{at}, there is {objects}{extra}",
             f"a {place} scene with {objects}", f"an image showing {objects} {at}"]
    return [f[0].upper() + f[1:] if i % 2 else f for i, f in enumerate(forms)]


def new_clip(rng):
    place = rng.choice(PLACES)
    colours = [c for c in COLOURS if c not in HIDDEN[place]]
    mover = {"shape": rng.choice(SHAPES), "colour": rng.choice(colours), "size": "small"}
    motion = rng.choice(["left", "right", "up", "down", "grows", "shrinks", "stays"])
    other = None
    if rng.chance(0.5):
        other = {"shape": rng.choice([s for s in SHAPES if s != mover["shape"]]),
                 "colour": rng.choice([c for c in colours if c != mover["colour"]]), "size": "small",
                 "x": rng.choice([20, 92]), "y": rng.choice([20, 92])}
    return {"place": place, "mover": mover, "motion": motion, "other": other}


def clip_frames(clip, rng):
    frames = []
    stars = rng.next()  # the same background in every frame of a clip
    for f in range(FRAMES):
        c = Canvas()
        background(c, clip["place"], Rng(stars))
        t = f / (FRAMES - 1)
        x, y, r = 56, 56, 12
        m = clip["motion"]
        if m in ("left", "right"):
            x = int(round(30 + 52 * (t if m == "right" else 1 - t)))
        elif m in ("up", "down"):
            y = int(round(30 + 52 * (t if m == "down" else 1 - t)))
        elif m == "grows":
            r = int(round(6 + 14 * t))
        elif m == "shrinks":
            r = int(round(20 - 14 * t))
        if clip["other"]:
            o = clip["other"]
            c.shape(o["shape"], o["x"], o["y"], 10, COLOURS[o["colour"]])
        mv = clip["mover"]
        c.shape(mv["shape"], x, y, r, COLOURS[mv["colour"]])
        frames.append(c)
    return frames


def clip_questions(clip, rng):
    """One Action(Y/N) question (half of them true where the clip allows it) and one Others."""
    mv, m = clip["mover"], clip["motion"]
    name = f"{mv['colour']} {mv['shape']}"
    verbs = {"left": "move to the left", "right": "move to the right", "up": "move up", "down": "move down"}
    yes = m != "stays" and rng.chance(0.5)
    if m in DIRECTIONS or (m == "stays" and rng.chance(0.5)):
        asked = m if yes else rng.choice([d for d in DIRECTIONS if d != m])
        action = ("Action(Y/N)", f"Does the {name} {verbs[asked]}?", "yes" if yes else "no")
    else:
        truth = "bigger" if m == "grows" else "smaller" if m == "shrinks" else None
        change = truth if yes else rng.choice([c for c in ("bigger", "smaller") if c != truth])
        action = ("Action(Y/N)", f"Does the {mv['shape']} get {change}?", "yes" if yes else "no")
    if m != "stays" and rng.chance(0.5):
        other = ("Others", rng.choice(["What shape is changing?", "Which shape moves or changes size?"]), mv["shape"])
    else:
        other = ("Others", f"What color is the {mv['shape']}?", mv["colour"])
    return [action, other]


# ---- MME and OwlEval ----------------------------------------------------------------------------------

MME_SUBTASKS = ["existence", "count", "position", "color", "OCR", "scene"]
IMAGE_CLASSES = ["OCR", "Counting", "Reasoning", "Place", "Color", "Spatial", "Action", "Others"]
ASK = " Please answer yes or no."


def mme_pair(subtask, scene, rng):
    objs = scene["objects"]
    o = rng.choice(objs)
    if subtask == "existence":
        absent = next((s for s in rng.shuffle(list(SHAPES)) if not unique(objs, "shape", s)), None)
        return [(f"Is there a {o['shape']} in this image?", "Yes"), (f"Is there a {absent} in this image?", "No")]
    if subtask == "count":
        n = len(unique(objs, "shape", o["shape"]))
        wrong = rng.choice([k for k in (1, 2, 3, 4) if k != n])
        return [(f"Are there {n} {plural(o['shape'], n)} in this image?", "Yes"),
                (f"Are there {wrong} {plural(o['shape'], wrong)} in this image?", "No")]
    if subtask == "position":
        side = "left" if o["x"] < 56 else "right"
        other = "right" if side == "left" else "left"
        return [(f"Is the {o['colour']} {o['shape']} on the {side} side of the image?", "Yes"),
                (f"Is the {o['colour']} {o['shape']} on the {other} side of the image?", "No")]
    if subtask == "color":
        wrong = rng.choice([c for c in COLOURS if c != o["colour"]])
        return [(f"Is the {o['shape']} {o['colour']}?", "Yes"), (f"Is the {o['shape']} {wrong}?", "No")]
    if subtask == "OCR":
        wrong = rng.choice([w for w in WORDS if w != scene["sign"]])
        return [(f"Does the sign say \"{scene['sign']}\"?", "Yes"), (f"Does the sign say \"{wrong}\"?", "No")]
    wrong = rng.choice([p for p in PLACES if p != scene["place"]])
    return [(f"Is this picture taken at a {scene['place']} scene?", "Yes"),
            (f"Is this picture taken at a {wrong} scene?", "No")]


def mme_scene(subtask, rng):
    while True:
        if subtask == "count":
            scene = new_scene(rng, count_shape=rng.choice(SHAPES), count=rng.between(1, 3))
        else:
            scene = new_scene(rng, want_sign=subtask == "OCR")
        objs = scene["objects"]
        # the asked object must be unique by shape (and off the centre column for position)
        if subtask in ("position", "color") and not any(len(unique(objs, "shape", o["shape"])) == 1 and o["x"] != 56 for o in objs):
            continue
        if subtask == "existence" and all(unique(objs, "shape", s) for s in SHAPES):
            continue
        return scene


# ---- POPE ---------------------------------------------------------------------------------------------
# POPE's construction on the world's own statistics: per picture, its three kinds of object (colour
# and shape) asked about ("yes"), and three absent kinds ("no") drawn three ways: at random, the
# most frequent kinds over the split's POPE pictures (popular), and the kinds that occur most often
# together with the picture's own (adversarial). The world's phrasing of the question, which its
# models were trained on. A random number generator of its own, so nothing else changes.

POPE_SALT = 0x504F5045
POPE_IMAGES = 8


def pope_splits(rng):
    scenes = []
    while len(scenes) < POPE_IMAGES:
        scene = new_scene(rng)
        if len({(o["colour"], o["shape"]) for o in scene["objects"]}) == 3:
            scenes.append(scene)
    kinds = [(c, s) for c in COLOURS for s in SHAPES]
    freq, together = {k: 0 for k in kinds}, {}
    for scene in scenes:
        present = [(o["colour"], o["shape"]) for o in scene["objects"]]
        for k in present:
            freq[k] += 1
            for j in present:
                if j != k:
                    together[(k, j)] = together.get((k, j), 0) + 1
    splits = {"random": [], "popular": [], "adversarial": []}
    for n, scene in enumerate(scenes):
        name = f"pope_{n + 1:03d}.png"
        present = [(o["colour"], o["shape"]) for o in scene["objects"]]
        absent = [k for k in kinds if k not in present]
        drawn = {
            "random": rng.sample(absent, 3),
            "popular": sorted(absent, key=lambda k: (-freq[k], kinds.index(k)))[:3],
            "adversarial": sorted(absent, key=lambda k: (-sum(together.get((p, k), 0) for p in present),
                                                          -freq[k], kinds.index(k)))[:3],
        }
        for split, rows in splits.items():
            for (colour, shape), label in [(k, "yes") for k in present] + [(k, "no") for k in drawn[split]]:
                rows.append({"question_id": len(rows) + 1, "image": name,
                             "text": f"Is there {article(colour)} {colour} {shape} in the picture?", "label": label})
    return scenes, splits


# ---- GQA and TextVQA ----------------------------------------------------------------------------------
# GQA's layout for the world's questions whose kind GQA has, typed as GQA types its questions
# (structural: verify, query, compare; semantic: obj, attr, rel, global), and TextVQA's layout for
# its sign questions, each with ten answers in the forms people write them (case, a final period),
# which TextVQA's answer processing reads as one. Random number generators of their own.

GQA_SALT = 0x475141
TEXTVQA_SALT = 0x54455854
VIZWIZ_SALT = 0x56495A57
MMBENCH_SALT = 0x4D4D4231
VIZWIZ_IMAGES = 16
MMBENCH_QUESTIONS = 12
MSVD_SALT = 0x4D535644
MSVD_CLIPS = 12
SCIENCEQA_SALT = 0x53514131
SCIENCEQA_PROBLEMS = 12
SEED_SALT = 0x53454544
SEED_QUESTIONS = 12
MMVET_SALT = 0x4D4D5654
MMVET_QUESTIONS = 12
GQA_IMAGES = 10
TEXTVQA_IMAGES = 12


def gqa_types(cls, question):
    """GQA's (structural, semantic) types of a world question, or None where GQA has no such kind."""
    if cls == "Color":
        return "query", "attr"
    if cls == "Others":
        return "query", "obj"
    if cls == "Place":
        return "query", "global"
    if cls == "Spatial":
        return ("verify", "rel") if question.startswith("Is ") else ("query", "rel")
    if cls == "Reasoning":
        return ("compare", "obj") if question.startswith("Are there more") else ("verify", "obj")
    return None  # Counting, OCR, Action: not GQA's


def gqa_questions(rng):
    questions, scenes = {}, []
    for n in range(GQA_IMAGES):
        scene = new_scene(rng)
        image = f"w{n + 1:04d}"
        scenes.append((image, scene))
        for cls, q, a in rng.shuffle(image_questions(scene, rng)):
            types = gqa_types(cls, q)
            if types is None:
                continue
            qid = f"{9000000 + 100 * n + len([k for k in questions if questions[k]['imageId'] == image])}"
            questions[qid] = {"imageId": image, "question": q, "answer": a, "fullAnswer": a, "isBalanced": True,
                              "types": {"structural": types[0], "semantic": types[1], "detailed": cls},
                              "groups": {"global": cls.lower(), "local": f"{cls.lower()}-{image}"},
                              "semantic": [], "entailed": [],
                              "equivalent": [qid]}
    return scenes, questions


def textvqa_questions(rng):
    data, scenes = [], []
    for n in range(TEXTVQA_IMAGES):
        scene = new_scene(rng, want_sign=True)
        image = f"{0x5f1e0000 + n:016x}"
        scenes.append((image, scene))
        word = scene["sign"]
        forms = [word, word, word, word.upper(), word.capitalize(), word + ".", word, word, word, word]
        answers = [rng.choice(forms) if k >= 6 else word for k in range(10)]
        data.append({"question": rng.choice(["What does the sign say?", "What word is written on the sign?"]),
                     "image_id": image, "image_classes": ["Sign"], "answers": answers,
                     "question_id": 70000 + n, "set_name": "val"})
    return scenes, data


def vizwiz_questions(rng):
    """One question per picture, VizWiz's way (its questions are keyed by image): ten people's
    answers, as they type them; a quarter ask about a shape the picture does not hold, which the
    people answer "unanswerable"."""
    data, scenes = [], []
    for n in range(VIZWIZ_IMAGES):
        scene = new_scene(rng)
        image = f"VizWiz_val_{n:08d}.jpg"
        scenes.append((image, scene))
        absent = [s for s in SHAPES if not unique(scene["objects"], "shape", s)]
        if n % 4 == 3 and absent:
            question, answer, kind = f"What color is the {rng.choice(absent)}?", "unanswerable", "unanswerable"
        else:
            cls, question, answer = rng.choice([q for q in image_questions(scene, rng) if q[0] != "Counting"])
            kind = "yes/no" if answer in ("yes", "no") else "other"
        forms = [answer, answer, answer, answer.capitalize(), answer + "."]
        answers = [answer if k < 7 else rng.choice(forms) for k in range(10)]
        data.append({"image": image, "question": question,
                     "answers": [{"answer": a, "answer_confidence": rng.choice(["yes", "yes", "maybe"])}
                                 for a in answers],
                     "answer_type": kind, "answerable": 0 if kind == "unanswerable" else 1})
    return scenes, data


# the MMBench abilities (L2, leaf) a world question tests, where MMBench has one
MMBENCH_ABILITY = {"Place": ("coarse_perception", "image_scene"),
                   "Color": ("finegrained_perception (instance-level)", "attribute_recognition"),
                   "Others": ("finegrained_perception (instance-level)", "attribute_recognition"),
                   "Spatial": ("finegrained_perception (cross-instance)", "spatial_relationship")}


def mmbench_rows(rng):
    """Single-choice questions in MMBench's TSV layout, each with its circular copies (index +
    k * 1000000, the options rotated), the picture as base64 PNG in every row, as the release
    has it. The options are the answer and others of its kind."""
    rows = []
    for n in range(MMBENCH_QUESTIONS):
        scene = new_scene(rng)
        picture = base64.b64encode(draw(scene, rng).png()).decode()
        asked = [q for q in image_questions(scene, rng) if q[0] in MMBENCH_ABILITY
                 and not q[1].startswith("Is ")]
        cls, question, answer = rng.choice(asked)
        pool = {"Place": PLACES, "Color": list(COLOURS), "Others": SHAPES, "Spatial": ["left", "right"]}[cls]
        options = rng.shuffle([answer] + rng.sample([x for x in pool if x != answer], min(3, len(pool) - 1)))
        l2, leaf = MMBENCH_ABILITY[cls]
        for k in range(len(options)):
            rot = options[k:] + options[:k]
            rows.append([str(n + 1 + k * 1000000), question, "" if n % 3 else "Look at the picture."]
                        + rot + [""] * (4 - len(rot))
                        + ["ABCD"[rot.index(answer)], leaf, picture, "world", l2, "", "dev"])
    return rows


def msvd_clips(rng):
    """Clips in MSVD-QA's layout: each a video file named as MSVD names its clips
    (<name>_<start>_<end>.avi) and listed in youtube_mapping.txt as vid<N>, asked the world's
    one-word questions about its moving shape (what shape changes, what colour it is), as MSVD-QA
    asks one-word what/who questions."""
    clips, questions, qid = [], [], 1
    for n in range(MSVD_CLIPS):
        clip = new_clip(rng)
        frames = clip_frames(clip, rng)
        name = f"world{n + 1:02d}_0_{FRAMES}"
        clips.append((name, frames))
        _, question, answer = clip_questions(clip, rng)[1]
        questions.append({"answer": answer, "id": qid, "question": question, "video_id": n + 1})
        qid += 1
    return clips, questions


# the world's answer kinds as multiple-choice pools, and what a ScienceQA or SEED-Bench question
# of each kind is filed under
CHOICE_POOLS = {"Place": PLACES, "Color": list(COLOURS), "Others": SHAPES, "Counting": ["1", "2", "3", "4"]}
SCIENCEQA_SUBJECT = {"Place": ("social science", "geography", "Geography", "Identify places"),
                     "Color": ("natural science", "physics", "Colors", "Identify colors"),
                     "Others": ("natural science", "physics", "Shapes", "Identify shapes"),
                     "Counting": ("natural science", "physics", "Counting", "Count objects")}
SEED_DIMENSIONS = {"Scene Understanding": 1, "Instance Identity": 2, "Instance Attributes": 3,
                   "Instances Counting": 5}
SEED_DIMENSION_OF = {"Place": 1, "Others": 2, "Color": 3, "Counting": 5}


def choice_question(rng, scene, counted=None):
    """A question of a kind with a pool of answers, and its answer."""
    asked = [q for q in image_questions(scene, rng, counted) if q[0] in CHOICE_POOLS]
    return rng.choice(asked)


def scienceqa_problems(rng):
    """Problems in ScienceQA's layout (problems.json, pid_splits.json, images/<split>/<pid>/):
    a world question, its answer among 2-4 choices of its kind, a hint on some, filed under a
    subject, topic and grade; two test problems have no image (ScienceQA-IMG leaves them out) and
    two problems are in the val split."""
    problems, splits, pictures = {}, {"train": [], "val": [], "test": []}, []
    for n in range(SCIENCEQA_PROBLEMS + 2):
        pid = str(1000 + n)
        counted = rng.choice(SHAPES) if n % 3 == 0 else None
        scene = new_scene(rng, count_shape=counted, count=rng.between(1, 4)) if counted else new_scene(rng)
        cls, question, answer = choice_question(rng, scene, counted)
        pool = CHOICE_POOLS[cls]
        choices = rng.shuffle([answer] + rng.sample([x for x in pool if x != answer], rng.between(1, 3)))
        subject, topic, category, skill = SCIENCEQA_SUBJECT[cls]
        with_image = n not in (5, 10)
        split = "val" if n >= SCIENCEQA_PROBLEMS else "test"
        problems[pid] = {"question": question, "choices": choices, "answer": choices.index(answer),
                         "hint": "Look at the picture." if n % 4 == 1 else "",
                         "image": "image.png" if with_image else None, "task": "closed choice",
                         "grade": f"grade{rng.between(1, 8)}", "subject": subject, "topic": topic,
                         "category": category, "skill": skill, "lecture": "", "solution": "", "split": split}
        splits[split].append(pid)
        if with_image:
            pictures.append((f"images/{split}/{pid}/image.png", scene))
    return problems, splits, pictures


def seed_questions(rng):
    """Questions in SEED-Bench's layout (SEED-Bench.json, SEED-Bench-image/): four choices of the
    answer's kind, the answer's letter, the evaluation dimension of its kind; two video questions,
    which the image task leaves out."""
    questions, pictures = [], []
    for n in range(SEED_QUESTIONS):
        counted = rng.choice(SHAPES) if n % 4 == 3 else None
        scene = new_scene(rng, count_shape=counted, count=rng.between(1, 4)) if counted else new_scene(rng)
        cls, question, answer = choice_question(rng, scene, counted)
        choices = rng.shuffle([answer] + rng.sample([x for x in CHOICE_POOLS[cls] if x != answer], 3))
        data_id = f"world_{n + 1:05d}.png"
        pictures.append((data_id, scene))
        row = {"answer": "ABCD"[choices.index(answer)], "choice_a": choices[0], "choice_b": choices[1],
               "choice_c": choices[2], "choice_d": choices[3], "data_id": data_id, "data_type": "image",
               "question": question, "question_id": str(n + 1), "question_type_id": SEED_DIMENSION_OF[cls]}
        questions.append(row)
    for n in range(2):
        questions.append({"answer": "A", "choice_a": "up", "choice_b": "down", "choice_c": "left", "choice_d": "right",
                          "data_id": f"clip_{n + 1}.mp4", "data_type": "video",
                          "question": "Which way does the shape move?", "question_id": f"v{n + 1}",
                          "question_type_id": 10})
    return {"questions": questions, "question_type": dict(SEED_DIMENSIONS, **{"Action Recognition": 10})}, pictures


# the MM-Vet capabilities a world question integrates (its "rec" covers counting)
MMVET_CAPABILITIES = {"OCR": ["ocr"], "Color": ["rec"], "Others": ["rec"], "Place": ["rec"], "Counting": ["rec"],
                      "Spatial": ["rec", "spat"], "Action": ["rec", "spat"]}


def mmvet_questions(rng):
    """Questions in MM-Vet's layout (mm-vet.json by id "v1_<n>", images/): a world question of a
    kind MM-Vet has, tagged with the capabilities it integrates; a count's ground truth takes the
    digit or the word (MM-Vet's <OR>)."""
    data, pictures = {}, []
    for n in range(MMVET_QUESTIONS):
        counted = rng.choice(SHAPES) if n % 4 == 1 else None
        scene = new_scene(rng, want_sign=n % 4 == 2, want_arrow=n % 4 == 3, count_shape=counted,
                          count=rng.between(1, 4) if counted else None)
        asked = [q for q in image_questions(scene, rng, counted) if q[0] in MMVET_CAPABILITIES
                 and not q[1].startswith(("Is ", "Are ", "Does "))]
        wanted = [q for q in asked if q[0] == {1: "Counting", 2: "OCR", 3: "Action"}.get(n % 4)]
        cls, question, answer = rng.choice(wanted or asked)
        if cls == "Counting":
            answer = f"{answer}<OR>{NUMBER_WORDS[int(answer)]}"
        name = f"v1_{n}.png"
        pictures.append((name, scene))
        data[f"v1_{n}"] = {"imagename": name, "capability": MMVET_CAPABILITIES[cls], "question": question,
                           "answer": answer}
    return data, pictures


def avi_of_pngs(pngs, width, height, fps=FRAMES):
    """An AVI file whose video frames are the PNG images as they are (FourCC MPNG, which FFmpeg's
    PNG decoder reads losslessly), with its index."""
    import struct

    def chunk(fourcc, data):
        return fourcc + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")

    def riff_list(kind, fourcc, body):
        return kind + struct.pack("<I", len(body) + 4) + fourcc + body
    largest = max(len(p) for p in pngs)
    avih = struct.pack("<14I", 1000000 // fps, largest * fps, 0, 0x10, len(pngs), 0, 1, largest, width, height,
                       0, 0, 0, 0)
    strh = b"vids" + b"MPNG" + struct.pack("<IHHIIIIIIiI4h", 0, 0, 0, 0, 1, fps, 0, len(pngs), largest, -1, 0,
                                           0, 0, width, height)
    strf = struct.pack("<IiiHH4sIiiII", 40, width, height, 1, 24, b"MPNG", width * height * 3, 0, 0, 0, 0)
    hdrl = riff_list(b"LIST", b"hdrl", chunk(b"avih", avih)
                     + riff_list(b"LIST", b"strl", chunk(b"strh", strh) + chunk(b"strf", strf)))
    frames, index, offset = b"", b"", 4  # offsets from the "movi" FourCC
    for p in pngs:
        index += b"00dc" + struct.pack("<III", 0x10, offset, len(p))
        c = chunk(b"00dc", p)
        frames += c
        offset += len(c)
    body = hdrl + riff_list(b"LIST", b"movi", frames) + chunk(b"idx1", index)
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"AVI " + body


OWL_INSTRUCTIONS = ["Describe this picture in detail.", "Write a short story about what you see.",
                    "What would you tell a friend about this image?", "List everything you can see here.",
                    "Describe the colors and shapes in this image."]

# ---- splits -------------------------------------------------------------------------------------------


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def jsonl(path, rows):
    write_bytes(path, "".join(json.dumps(r, sort_keys=False) + "\n" for r in rows).encode())


def scene_row(name, scene):
    """What a picture shows, for training the vision encoder directly (train and val splits)."""
    return {"image": name, "place": scene["place"], "sign": scene["sign"], "arrow": scene["arrow"],
            "objects": [{k: o[k] for k in ("shape", "colour", "size", "x", "y")} for o in scene["objects"]]}


def clip_row(folder, clip):
    """What a clip shows (train and val splits): the moving shape, its motion, the still one."""
    return {"video": folder, "place": clip["place"], "mover": dict(clip["mover"]), "motion": clip["motion"],
            "other": dict(clip["other"]) if clip["other"] else None}


def generate(split, out, seed):
    n_scenes, n_clips, n_caption, n_mme, n_owl = SPLITS[split]
    scenes, clips = [], []  # train and val splits only: the test split is questions and answers
    rng = Rng(seed * 1000003 + SPLIT_SALT[split])
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    image_rows, index = [], 0
    asked = {c: 0 for c in IMAGE_CLASSES}
    for k in range(n_scenes):
        kind = k % 4  # a quarter each: plain, counting, with a sign, with an arrow
        counted = None
        if kind == 1:
            counted = rng.choice(SHAPES)
            scene = new_scene(rng, count_shape=counted, count=rng.between(1, 4))
        else:
            scene = new_scene(rng, want_sign=kind == 2, want_arrow=kind == 3)
        name = f"images/scene_{k + 1:05d}.png"
        write_bytes(os.path.join(out, name), draw(scene, rng).png())
        scenes.append(scene_row(name, scene))
        qs = rng.shuffle(image_questions(scene, rng, counted))
        # three questions of different classes, the least asked classes first (balanced classes)
        chosen = []
        for q in sorted(qs, key=lambda q: asked[q[0]]):
            if len(chosen) < 3 and all(c[0] != q[0] for c in chosen):
                chosen.append(q)
                asked[q[0]] += 1
        for cls, q, a in chosen:
            index += 1
            image_rows.append({"dataset": "World_images", "question": q, "answer": [a], "index": index,
                               "image": name, "origin_dataset": "world", "class": cls})
    jsonl(os.path.join(out, "Open_VQA_images.jsonl"), image_rows)
    video_rows, index = [], 0
    for k in range(n_clips):
        clip = new_clip(rng)
        folder = f"videos/clip_{k + 1:05d}"
        for f, canvas in enumerate(clip_frames(clip, rng)):
            write_bytes(os.path.join(out, folder, f"frame{f + 1}.png"), canvas.png())
        clips.append(clip_row(folder, clip))
        qs = clip_questions(clip, rng)
        for cls, q, a in qs:
            index += 1
            video_rows.append({"question": q, "answer": [a], "index": index, "dataset": "World_videos",
                               "video": folder, "origin_dataset": "world", "class": cls})
    jsonl(os.path.join(out, "Open_VQA_videos.jsonl"), video_rows)
    images, anns = [], []
    for k in range(n_caption):
        scene = new_scene(rng, want_sign=k % 3 == 0)
        name = f"captions/scene_{k + 1:05d}.png"
        write_bytes(os.path.join(out, name), draw(scene, rng).png())
        scenes.append(scene_row(name, scene))
        images.append({"id": k + 1, "file_name": name})
        for j, cap in enumerate(captions(scene, rng)):
            anns.append({"image_id": k + 1, "id": 5 * k + j + 1, "caption": cap})
    write_bytes(os.path.join(out, "captions.json"), json.dumps({"images": images, "annotations": anns}).encode())
    for sub in MME_SUBTASKS[:len(MME_SUBTASKS) if n_mme else 0]:
        for k in range(n_mme):
            scene = mme_scene(sub, rng)
            stem = f"{sub}_{k + 1:03d}"
            write_bytes(os.path.join(out, "world-mme", sub, stem + ".png"), draw(scene, rng).png())
            scenes.append(scene_row(f"world-mme/{sub}/{stem}.png", scene))
            lines = "".join(f"{q}{ASK}\t{a}\n" for q, a in mme_pair(sub, scene, rng))
            write_bytes(os.path.join(out, "world-mme", sub, stem + ".txt"), lines.encode())
    owl = []
    for k in range(n_owl):
        scene = new_scene(rng, want_sign=k % 2 == 0)
        name = f"{k + 1}.png"
        write_bytes(os.path.join(out, "world-owleval", "cases", name), draw(scene, rng).png())
        owl.append({"image": name, "question_id": k + 1, "question": OWL_INSTRUCTIONS[k % len(OWL_INSTRUCTIONS)],
                    "ability": "description"})
    if owl:
        jsonl(os.path.join(out, "world-owleval", "questions.jsonl"), owl)
    if split == "test":
        pope_rng = Rng(seed * 1000003 + POPE_SALT)
        pope_scenes, pope = pope_splits(pope_rng)
        for n, scene in enumerate(pope_scenes):
            write_bytes(os.path.join(out, "world-pope", "images", f"pope_{n + 1:03d}.png"), draw(scene, pope_rng).png())
        for name, rows in pope.items():
            jsonl(os.path.join(out, "world-pope", f"world_pope_{name}.json"), rows)
        # GQA's layout keeps its images under the names it gives them (.jpg); lynxeval reads an
        # image by its content, and these are PNG
        gqa_rng = Rng(seed * 1000003 + GQA_SALT)
        gqa_scenes, gqa = gqa_questions(gqa_rng)
        for image, scene in gqa_scenes:
            write_bytes(os.path.join(out, "world-gqa", "images", image + ".jpg"), draw(scene, gqa_rng).png())
        write_bytes(os.path.join(out, "world-gqa", "testdev_balanced_questions.json"), json.dumps(gqa).encode())
        tv_rng = Rng(seed * 1000003 + TEXTVQA_SALT)
        tv_scenes, tv = textvqa_questions(tv_rng)
        for image, scene in tv_scenes:
            write_bytes(os.path.join(out, "world-textvqa", "train_images", image + ".jpg"), draw(scene, tv_rng).png())
        write_bytes(os.path.join(out, "world-textvqa", "TextVQA_0.5.1_val.json"),
                    json.dumps({"dataset_type": "val", "dataset_name": "textvqa", "dataset_version": "0.5.1",
                                "data": tv}).encode())
        # VizWiz keeps JPEG names; these hold PNG data, which lynxeval reads by content
        vz_rng = Rng(seed * 1000003 + VIZWIZ_SALT)
        vz_scenes, vz = vizwiz_questions(vz_rng)
        for image, scene in vz_scenes:
            write_bytes(os.path.join(out, "world-vizwiz", "val", image), draw(scene, vz_rng).png())
        write_bytes(os.path.join(out, "world-vizwiz", "val.json"), json.dumps(vz).encode())
        mmb_rng = Rng(seed * 1000003 + MMBENCH_SALT)
        header = ["index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image", "source",
                  "l2-category", "comment", "split"]
        write_bytes(os.path.join(out, "world-mmbench", "world_mmbench_dev.tsv"),
                    "".join("\t".join(r) + "\n" for r in [header] + mmbench_rows(mmb_rng)).encode())
        msvd_rng = Rng(seed * 1000003 + MSVD_SALT)
        msvd_videos, msvd = msvd_clips(msvd_rng)
        for name, frames in msvd_videos:
            write_bytes(os.path.join(out, "world-msvd-qa", "YouTubeClips", name + ".avi"),
                        avi_of_pngs([c.png() for c in frames], SIZE, SIZE))
        write_bytes(os.path.join(out, "world-msvd-qa", "youtube_mapping.txt"),
                    "".join(f"{name} vid{n + 1}\n" for n, (name, _) in enumerate(msvd_videos)).encode())
        write_bytes(os.path.join(out, "world-msvd-qa", "test_qa.json"), json.dumps(msvd).encode())
        sqa_rng = Rng(seed * 1000003 + SCIENCEQA_SALT)
        sqa, sqa_splits, sqa_pictures = scienceqa_problems(sqa_rng)
        for path, scene in sqa_pictures:
            write_bytes(os.path.join(out, "world-scienceqa", path), draw(scene, sqa_rng).png())
        write_bytes(os.path.join(out, "world-scienceqa", "problems.json"), json.dumps(sqa).encode())
        write_bytes(os.path.join(out, "world-scienceqa", "pid_splits.json"), json.dumps(sqa_splits).encode())
        mmvet_rng = Rng(seed * 1000003 + MMVET_SALT)
        mmvet, mmvet_pictures = mmvet_questions(mmvet_rng)
        for name, scene in mmvet_pictures:
            write_bytes(os.path.join(out, "world-mm-vet", "images", name), draw(scene, mmvet_rng).png())
        write_bytes(os.path.join(out, "world-mm-vet", "mm-vet.json"), json.dumps(mmvet, indent=2).encode())
        seed_rng = Rng(seed * 1000003 + SEED_SALT)
        seed_json, seed_pictures = seed_questions(seed_rng)
        for data_id, scene in seed_pictures:
            write_bytes(os.path.join(out, "world-seed-bench", "SEED-Bench-image", data_id), draw(scene, seed_rng).png())
        write_bytes(os.path.join(out, "world-seed-bench", "SEED-Bench.json"), json.dumps(seed_json).encode())
    if split != "test":
        jsonl(os.path.join(out, "scenes.jsonl"), scenes)
        jsonl(os.path.join(out, "clips.jsonl"), clips)
    return len(image_rows), len(video_rows), len(images)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", choices=list(SPLITS), required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=SEED)
    a = ap.parse_args()
    n_img, n_vid, n_cap = generate(a.split, a.out, a.seed)
    print(f"world {a.split} (seed {a.seed}): {n_img} image questions, {n_vid} video questions, {n_cap} caption images -> {a.out}")


if __name__ == "__main__":
    main()
